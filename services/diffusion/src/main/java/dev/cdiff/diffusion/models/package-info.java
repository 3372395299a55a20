/**
 * Stable Diffusion networks on DJL PyTorch, numerically matching diffusers:
 * {@link dev.cdiff.diffusion.models.UNet2DConditionModel} and {@link dev.cdiff.diffusion.models.AutoencoderKL}.
 *
 * <p>Conventions shared by both models:
 * <ul>
 *   <li>Built from a diffusers config.json; options outside the SD 1.x/2.x family raise
 *       {@link dev.cdiff.diffusion.io.UnsupportedConfigException} naming the option.</li>
 *   <li>Parameters are keyed exactly by checkpoint names; weights live in the model's own sub-manager
 *       ({@code manager()}, released by {@code close()}).</li>
 *   <li>Every forward result and intermediate lives in the manager of the activation input; helpers
 *       close their temporaries eagerly, so a per-step sub-manager bounds memory.</li>
 *   <li>Forward passes are differentiable with DJL autograd; {@code setParameter} swaps in caller-owned
 *       arrays (e.g. trainable copies) that forward uses immediately.</li>
 * </ul>
 * Shared layers are in {@code models.nn}, block assemblies in {@code models.unet} and {@code models.vae};
 * reference-case runners in {@code dev.cdiff.diffusion.golden}.
 */
package dev.cdiff.diffusion.models;

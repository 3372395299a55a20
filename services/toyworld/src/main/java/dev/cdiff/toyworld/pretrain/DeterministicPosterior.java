package dev.cdiff.toyworld.pretrain;

import ai.djl.ndarray.NDArray;
import dev.cdiff.diffusion.models.AutoencoderKL;

/**
 * Makes the toy VAE's posterior a point mass at its mean: the logvar half of quant_conv gets zero weights and a bias
 * of -30 (the clamp floor diffusers applies), so a posterior sample differs from the mean by e^-15 of a unit normal.
 * The VAE is trained on means and its logvar head is never fitted (the KL term alone pulls it to 0, i.e. std 1), yet
 * training pipelines encode with latent_dist.sample() as diffusers does; with std 1 they trained on noise the UNet
 * never saw (the demo's first Custom Diffusion losses were 4.5 and 16.7 instead of about 0.1).
 */
public final class DeterministicPosterior {
    static final float LOGVAR_FLOOR = -30f;

    private DeterministicPosterior() {}

    public static void apply(AutoencoderKL vae) {
        NDArray weight = vae.parameters().get("quant_conv.weight");
        NDArray bias = vae.parameters().get("quant_conv.bias");
        if (weight == null || bias == null) {
            throw new IllegalArgumentException("the VAE has no quant_conv; its posterior cannot be made deterministic");
        }
        int channels = (int) bias.size() / 2;
        float[] w = weight.toFloatArray();
        float[] b = bias.toFloatArray();
        int perOut = w.length / b.length;
        for (int o = channels; o < 2 * channels; o++) {
            java.util.Arrays.fill(w, o * perOut, (o + 1) * perOut, 0f);
            b[o] = LOGVAR_FLOOR;
        }
        NDArray newWeight = vae.manager().create(w, weight.getShape());
        NDArray newBias = vae.manager().create(b, bias.getShape());
        vae.setParameter("quant_conv.weight", newWeight);
        vae.setParameter("quant_conv.bias", newBias);
    }
}

package dev.cdiff.diffusion.training;

import ai.djl.ndarray.NDArray;

/**
 * The tensors of one training step, all in the step's manager.
 *
 * @param latents        x0 = VAE posterior sample x scaling factor, [B, C, h, w]; the first {@code instanceCount}
 *                       items are target images, the rest regularization images
 * @param noise          epsilon, [B, C, h, w]
 * @param timesteps      INT64 [B] in [0, num_train_timesteps)
 * @param inputIds       INT64 [B, 77]
 * @param mask           [instanceCount, 1, h, w] valid-region weights of the target images
 * @param instanceCount  number of target items (= B without regularization)
 */
public record TrainingBatch(NDArray latents, NDArray noise, NDArray timesteps, NDArray inputIds, NDArray mask,
                            int instanceCount) {
    public TrainingBatch {
        long b = latents.getShape().get(0);
        if (instanceCount < 1 || instanceCount > b) {
            throw new IllegalArgumentException("instanceCount " + instanceCount + " outside 1.." + b);
        }
        if (mask.getShape().get(0) != instanceCount) {
            throw new IllegalArgumentException("mask has " + mask.getShape().get(0) + " items, expected " + instanceCount);
        }
        if (!noise.getShape().equals(latents.getShape())) {
            throw new IllegalArgumentException("noise shape " + noise.getShape() + " differs from latents " + latents.getShape());
        }
        if (timesteps.getShape().size() != b || inputIds.getShape().get(0) != b) {
            throw new IllegalArgumentException("timesteps / input ids must have one entry per batch item (" + b + ")");
        }
    }

    public boolean hasRegularization() {
        return instanceCount < latents.getShape().get(0);
    }
}

package dev.cdiff.diffusion.models;

import ai.djl.ndarray.NDArray;

/**
 * The VAE posterior N(mean, exp(logvar)) with logvar clamped to [-30, 20] as in diffusers.
 * Owns its two arrays (in the encoder input's manager); {@link #close()} releases them.
 */
public final class DiagonalGaussian implements AutoCloseable {
    private final NDArray mean;
    private final NDArray logvar;

    /** @param moments [B, 2*latent, h, w]: mean channels first, then log-variance channels */
    public static DiagonalGaussian fromMoments(NDArray moments) {
        long c = moments.getShape().get(1);
        var halves = moments.split(new long[] {c / 2}, 1);
        NDArray mean = halves.get(0);
        try (NDArray raw = halves.get(1)) {
            return new DiagonalGaussian(mean, raw.clip(-30f, 20f));
        }
    }

    public DiagonalGaussian(NDArray mean, NDArray logvar) {
        this.mean = mean;
        this.logvar = logvar;
    }

    public NDArray mean() {
        return mean;
    }

    public NDArray logvar() {
        return logvar;
    }

    /** mean + exp(logvar / 2) * noise, noise ~ N(0, 1) supplied by the caller for reproducibility. */
    public NDArray sample(NDArray noise) {
        try (NDArray half = dev.cdiff.diffusion.models.nn.Ops.scale(logvar, 0.5f); NDArray std = half.exp(); NDArray scaled = std.mul(noise)) {
            return mean.add(scaled);
        }
    }

    /** The distribution's mode (its mean), as a new array. */
    public NDArray mode() {
        return mean.duplicate();
    }

    @Override
    public void close() {
        mean.close();
        logvar.close();
    }
}

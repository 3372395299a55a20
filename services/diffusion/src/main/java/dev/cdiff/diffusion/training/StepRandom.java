package dev.cdiff.diffusion.training;

import java.util.SplittableRandom;

/**
 * Randomness of training step {@code step} is a pure function of (seed, step, stream): resuming at step k draws
 * exactly what an uninterrupted run draws, so the checkpointed "RNG state" is just the seed and the step.
 */
public final class StepRandom {
    public enum Stream { DATA, LATENT_SAMPLE, NOISE, TIMESTEPS }

    private StepRandom() {
    }

    public static SplittableRandom of(long seed, long step, Stream stream) {
        long h = mix(seed ^ 0x5DEECE66DL);
        h = mix(h + step * 0x9E3779B97F4A7C15L);
        h = mix(h + (stream.ordinal() + 1) * 0xC2B2AE3D27D4EB4FL);
        return new SplittableRandom(h);
    }

    public static float[] gaussian(SplittableRandom rnd, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) rnd.nextGaussian();
        }
        return out;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

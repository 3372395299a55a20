package dev.cdiff.toyworld.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.DiagonalGaussian;
import org.junit.jupiter.api.Test;

class DeterministicPosteriorTest {
    @Test
    void samplesEqualTheMeanAndTheMeanIsUnchanged() {
        ToyModelSpec spec = new ToyModelSpec(16, new int[] {8, 8}, 4, new int[] {8, 16}, 1, 8, 8, 16, 1, 2, 300);
        try (NDManager m = NDManager.newBaseManager();
             AutoencoderKL vae = AutoencoderKL.create(spec.vaeConfig(), m, 5)) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(2, 3, 16, 16));
            DiagonalGaussian before = vae.encode(x);
            float[] meanBefore = before.mean().toFloatArray();
            float[] stdBefore = before.logvar().exp().sqrt().toFloatArray();
            assertTrue(stdBefore[0] > 0.1f, "a fresh VAE's posterior is wide: std " + stdBefore[0]);

            DeterministicPosterior.apply(vae);
            DiagonalGaussian after = vae.encode(x);
            assertArrayEquals(meanBefore, after.mean().toFloatArray(), 0f);
            NDArray noise = m.randomNormal(after.mean().getShape());
            float[] sample = after.sample(noise).toFloatArray();
            float[] mean = after.mean().toFloatArray();
            for (int i = 0; i < mean.length; i++) {
                assertTrue(Math.abs(sample[i] - mean[i]) < 1e-5f, "sample " + sample[i] + " vs mean " + mean[i]);
            }
        }
    }
}

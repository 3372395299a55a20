package dev.cdiff.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelMemoryTest {
    @Test
    void forwardLeavesNothingInTheModelManagerAndFewArraysInTheStepManager() {
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(ModelFixtures.tinySd().resolve("unet"), m);
             AutoencoderKL vae = AutoencoderKL.load(ModelFixtures.tinySd().resolve("vae"), m)) {
            NDArray[] in = ModelFixtures.unetInputs(m);
            int unetArrays = unet.manager().getManagedArrays().size();
            int vaeArrays = vae.manager().getManagedArrays().size();
            int baseArrays = m.getManagedArrays().size();
            long start = System.nanoTime();
            int runs = 5;
            for (int i = 0; i < runs; i++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray sample = in[0].duplicate();
                    sample.attach(step);
                    NDArray out = unet.forward(sample, in[1], in[2]);
                    assertSame(step, out.getManager());
                    // Inputs, output and a handful of tiny helpers only: intermediates are closed eagerly.
                    int left = step.getManagedArrays().size();
                    assertTrue(left <= 12, "step manager holds " + left + " arrays after a forward");
                    NDArray image = vae.decode(out);
                    assertSame(step, image.getManager());
                }
            }
            double ms = (System.nanoTime() - start) / 1e6 / runs;
            System.out.printf("tiny-sd unet forward + vae decode, batch 2: %.1f ms%n", ms);
            assertEquals(unetArrays, unet.manager().getManagedArrays().size());
            assertEquals(vaeArrays, vae.manager().getManagedArrays().size());
            assertEquals(baseArrays, m.getManagedArrays().size());
        }
    }
}

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
            int runs = 12;
            long unetNanos = 0;
            long vaeNanos = 0;
            for (int i = 0; i < runs; i++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray sample = in[0].duplicate();
                    sample.attach(step);
                    long t0 = System.nanoTime();
                    NDArray out = unet.forward(sample, in[1], in[2]);
                    long t1 = System.nanoTime();
                    assertSame(step, out.getManager());
                    // Inputs, output and a handful of tiny helpers only: intermediates are closed eagerly.
                    int left = step.getManagedArrays().size();
                    assertTrue(left <= 12, "step manager holds " + left + " arrays after a forward");
                    NDArray image = vae.decode(out);
                    long t2 = System.nanoTime();
                    assertSame(step, image.getManager());
                    if (i >= 2) {
                        unetNanos += t1 - t0;
                        vaeNanos += t2 - t1;
                    }
                }
            }
            System.out.printf("tiny-sd batch 2: unet forward %.1f ms, vae decode %.1f ms%n",
                    unetNanos / 1e6 / (runs - 2), vaeNanos / 1e6 / (runs - 2));
            assertEquals(unetArrays, unet.manager().getManagedArrays().size());
            assertEquals(vaeArrays, vae.manager().getManagedArrays().size());
            assertEquals(baseArrays, m.getManagedArrays().size());
        }
    }

    @Test
    void slicedAttentionGivesTheSameResult() {
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(ModelFixtures.tinySd().resolve("unet"), m)) {
            NDArray[] in = ModelFixtures.unetInputs(m);
            NDArray whole = unet.forward(in[0], in[1], in[2]);
            // 256x256 self-attention scores per (batch, head): force slices of 3 of the 16 batch*head pairs.
            unet.setMaxAttentionScoreElements(3L * 256 * 256);
            NDArray sliced = unet.forward(in[0], in[1], in[2]);
            assertTrue(ModelFixtures.maxAbsDiff(whole, sliced) < 1e-6);
        }
    }
}

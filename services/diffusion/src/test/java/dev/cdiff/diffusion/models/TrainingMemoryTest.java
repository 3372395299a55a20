package dev.cdiff.diffusion.models;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Repeated forward + backward with trainable cross-attention K/V must not grow native memory. */
class TrainingMemoryTest {
    /** Resident set size after a full GC, so Java heap growth from garbage does not count. */
    private static long rssKb() throws IOException {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    @Test
    void trainingStepsKeepResidentMemoryFlat() throws IOException {
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(ModelFixtures.tinySd().resolve("unet"), m)) {
            unet.setDetachFirstTokenKv(true);
            // Trainable copies owned by the caller, as a trainer would hold them.
            List<String> names = new ArrayList<>(unet.crossAttentionKv().keySet());
            NDManager trainable = m.newSubManager();
            for (String name : names) {
                NDArray copy = unet.parameters().get(name).duplicate();
                copy.attach(trainable);
                copy.setRequiresGradient(true);
                unet.setParameter(name, copy);
            }
            NDArray[] in = ModelFixtures.unetInputs(m);
            int modelArrays = unet.manager().getManagedArrays().size();
            long warm = 0;
            int steps = Integer.getInteger("cdiff.test.memorySteps", 80);
            long start = System.nanoTime();
            for (int step = 0; step < steps; step++) {
                if (step % 20 == 0) {
                    System.out.println("step " + step + " rss MB " + rssKb() / 1024 + " heap MB "
                            + (Runtime.getRuntime().totalMemory() >> 20));
                }
                if (step == 20) {
                    warm = rssKb();
                    start = System.nanoTime();
                }
                try (NDManager s = m.newSubManager()) {
                    NDArray noise = ModelFixtures.gaussian(s, step, 2, 4, 16, 16);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray out = unet.forward(in[0], in[1], in[2]);
                        out.attach(s);
                        NDArray loss = out.sub(noise).square().mean();
                        gc.backward(loss);
                    }
                    for (String name : names) {
                        NDArray w = unet.parameters().get(name);
                        NDArray g = w.getGradient();
                        g.attach(s);
                        w.subi(g.mul(1e-3f));
                        g.subi(g);
                    }
                }
            }
            double msPerStep = (System.nanoTime() - start) / 1e6 / (steps - 20);
            long end = rssKb();
            System.out.printf("training step (fwd+bwd, batch 2) %.1f ms; RSS after warm-up %d MB, after %d steps %d MB%n",
                    msPerStep, warm / 1024, steps, end / 1024);
            assertEquals(modelArrays, unet.manager().getManagedArrays().size());
            assertEquals(names.size(), trainable.getManagedArrays().size());
            assertTrue(end - warm < 48 * 1024, "RSS grew by " + (end - warm) / 1024 + " MB");
            trainable.close();
        }
    }
}

package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.pipelines.SamplingPreset;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The paper preset names DDPM where the reference passes eta 1 to a DDIM-style step: both must be the same
 * transition, step for step, or the preset would not be the paper's sampler.
 */
class PaperPresetSamplerTest {
    private static ObjectNode config() {
        ObjectNode c = ((ObjectNode) ModelFolder.readConfig(GoldenFolder.configured().resolve("models/tiny-sd/scheduler")))
                .deepCopy();
        c.put("timestep_spacing", "leading");
        c.put("steps_offset", 1);
        return c;
    }

    @Test
    void ddpmStepEqualsDdimAtEtaOneOnThePaperSchedule() {
        assertEquals("ddpm", SamplingPreset.PAPER.scheduler());
        int steps = SamplingPreset.PAPER.steps();
        Scheduler ddpm = Schedulers.create("ddpm", config());
        DDIMScheduler ddimEta1 = (DDIMScheduler) Schedulers.create("ddim", config());
        DDIMScheduler ddimEta0 = (DDIMScheduler) Schedulers.create("ddim", config());
        ddimEta1.setEta(1f);
        ddpm.setTimesteps(steps);
        ddimEta1.setTimesteps(steps);
        ddimEta0.setTimesteps(steps);
        assertArrayEquals(ddpm.timesteps(), ddimEta1.timesteps());
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(11);
            NDArray sample = m.randomNormal(new Shape(1, 4, 4, 4));
            NDArray eps = m.randomNormal(new Shape(1, 4, 4, 4));
            NDArray noise = m.randomNormal(new Shape(1, 4, 4, 4));
            // early, middle and late steps; the last one differs by the final alpha convention, so it is left out
            for (int i : new int[] {0, steps / 2, steps - 2}) {
                int t = ddpm.timesteps()[i];
                float[] a = ddpm.step(eps, t, sample, noise).prevSample().toFloatArray();
                float[] b = ddimEta1.step(eps, t, sample, noise).prevSample().toFloatArray();
                float[] c = ddimEta0.step(eps, t, sample, noise).prevSample().toFloatArray();
                assertArrayEquals(a, b, 2e-5f, "timestep " + t);
                assertNotEquals(a[0], c[0], 1e-4f);
            }
        }
    }
}

package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.UnsupportedConfigException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulersTest {
    private static final JsonNode DDIM_CONFIG =
            ModelFolder.readConfig(GoldenFolder.configured().resolve("models/tiny-sd/scheduler"));

    private static ObjectNode config(String spacing, int offset) {
        ObjectNode c = ((ObjectNode) DDIM_CONFIG).deepCopy();
        c.put("timestep_spacing", spacing);
        c.put("steps_offset", offset);
        return c;
    }

    @Test
    void timestepSpacingsMatchDiffusers() {
        Scheduler leading = Schedulers.create("ddim", config("leading", 1));
        leading.setTimesteps(10);
        assertArrayEquals(new int[] {901, 801, 701, 601, 501, 401, 301, 201, 101, 1}, leading.timesteps());
        Scheduler trailing = Schedulers.create("ddpm", config("trailing", 0));
        trailing.setTimesteps(10);
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, trailing.timesteps());
        Scheduler linspace = Schedulers.create("ddim", config("linspace", 0));
        linspace.setTimesteps(10);
        assertArrayEquals(new int[] {999, 888, 777, 666, 555, 444, 333, 222, 111, 0}, linspace.timesteps());
        // DPM-Solver drops the last of n+1 points; 499.5 rounds half to even; leading stride is 1000 // 11
        Scheduler dpm = Schedulers.create("dpm", config("linspace", 0));
        dpm.setTimesteps(10);
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 500, 400, 300, 200, 100}, dpm.timesteps());
        Scheduler dpmLeading = Schedulers.create("dpm", config("leading", 1));
        dpmLeading.setTimesteps(10);
        assertArrayEquals(new int[] {901, 811, 721, 631, 541, 451, 361, 271, 181, 91}, dpmLeading.timesteps());
    }

    @Test
    void pndmRepeatsTheSecondTimestepLikeDiffusers() {
        Scheduler pndm = Schedulers.create("pndm", config("leading", 1));
        pndm.setTimesteps(5);
        assertArrayEquals(new int[] {801, 601, 601, 401, 201, 1}, pndm.timesteps());
    }

    /** With the exact noise as model output, deterministic samplers must land on x0. */
    @Test
    void deterministicSamplersRecoverX0FromExactNoise() {
        for (String name : new String[] {"ddim", "dpm"}) {
            ObjectNode cfg = config("leading", 1);
            cfg.put("set_alpha_to_one", true);
            Scheduler s = Schedulers.create(name, cfg);
            s.setTimesteps(12);
            try (NDManager m = NDManager.newBaseManager()) {
                Random r = new Random(3);
                float[] x0v = new float[32];
                float[] nv = new float[32];
                for (int i = 0; i < 32; i++) {
                    x0v[i] = (float) r.nextGaussian() * 0.5f;
                    nv[i] = (float) r.nextGaussian();
                }
                NDArray x0 = m.create(x0v, new Shape(2, 1, 4, 4));
                NDArray noise = m.create(nv, new Shape(2, 1, 4, 4));
                int first = s.timesteps()[0];
                NDArray x = s.addNoise(x0, noise, m.create(new long[] {first, first}));
                for (int t : s.timesteps()) {
                    float acp = s.alphasCumprod()[t];
                    // the eps that is consistent with x and x0 at this t
                    NDArray eps = x.sub(x0.mul((float) Math.sqrt(acp))).div((float) Math.sqrt(1 - acp));
                    x = s.step(eps, t, x, null).prevSample();
                }
                float[] got = x.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(x0v[i], got[i], 2e-3, name + " element " + i);
                }
            }
        }
    }

    @Test
    void vPredictionTargetInvertsToX0() {
        ObjectNode cfg = config("leading", 1);
        cfg.put("prediction_type", "v_prediction");
        DDIMScheduler s = (DDIMScheduler) Schedulers.create("ddim", cfg);
        s.setTimesteps(20);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x0 = m.create(new float[] {0.3f, -0.7f, 1.1f, 0.05f}, new Shape(1, 1, 2, 2));
            NDArray noise = m.create(new float[] {1f, -0.2f, 0.4f, -1.3f}, new Shape(1, 1, 2, 2));
            NDArray t = m.create(new long[] {501});
            NDArray xt = s.addNoise(x0, noise, t);
            NDArray v = s.getVelocity(x0, noise, t);
            SchedulerStep step = s.step(v, 501, xt, null);
            assertArrayEquals(x0.toFloatArray(), step.predOriginalSample().toFloatArray(), 1e-5f);
        }
    }

    @Test
    void ddpmRequiresNoiseAndUsesIt() {
        Scheduler s = Schedulers.create("ddpm", config("leading", 1));
        s.setTimesteps(10);
        assertTrue(s.needsVarianceNoise(901));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(1, 1, 2, 2));
            NDArray eps = m.zeros(new Shape(1, 1, 2, 2));
            assertThrows(IllegalArgumentException.class, () -> s.step(eps, 901, x, null));
            float a = s.step(eps, 901, x, m.zeros(new Shape(1, 1, 2, 2))).prevSample().toFloatArray()[0];
            float b = s.step(eps, 901, x, m.ones(new Shape(1, 1, 2, 2))).prevSample().toFloatArray()[0];
            assertTrue(b - a > 0.01f, "noise must be added with a positive std: " + (b - a));
        }
    }

    @Test
    void classNameSelectsSchedulerAndUnsupportedOptionsAreNamed() {
        assertInstanceOf(DDIMScheduler.class, Schedulers.fromConfig(DDIM_CONFIG));
        assertInstanceOf(DDPMScheduler.class,
                Schedulers.fromConfig(GoldenFolder.configured().resolve("models/tiny-sd/scheduler_ddpm")));
        ObjectNode c = config("leading", 1);
        c.put("thresholding", true);
        UnsupportedConfigException e = assertThrows(UnsupportedConfigException.class, () -> Schedulers.create("ddim", c));
        assertTrue(e.getMessage().contains("thresholding"), e.getMessage());
        ObjectNode k = config("leading", 1);
        k.put("use_karras_sigmas", true);
        e = assertThrows(UnsupportedConfigException.class, () -> Schedulers.create("dpm", k));
        assertTrue(e.getMessage().contains("use_karras_sigmas"), e.getMessage());
        ObjectNode b = config("leading", 1);
        b.put("beta_schedule", "sigmoid");
        e = assertThrows(UnsupportedConfigException.class, () -> Schedulers.create("ddpm", b));
        assertTrue(e.getMessage().contains("beta_schedule"), e.getMessage());
        assertThrows(UnsupportedConfigException.class, () -> Schedulers.create("euler", c));
    }

    @Test
    void zeroTerminalSnrRescaleEndsAtZero() {
        ObjectNode c = config("trailing", 0);
        c.put("rescale_betas_zero_snr", true);
        Scheduler s = Schedulers.create("ddim", c);
        float[] acp = s.alphasCumprod();
        assertEquals(0f, acp[acp.length - 1], 1e-12f);
        assertEquals(Schedulers.create("ddim", config("trailing", 0)).alphasCumprod()[0], acp[0], 1e-7f);
    }
}

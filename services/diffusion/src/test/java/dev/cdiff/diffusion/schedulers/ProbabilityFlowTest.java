package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.io.ModelFolder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For Gaussian data x0 ~ N(mu, s^2) the optimal noise prediction is known in closed form and the
 * probability-flow ODE keeps the standardised value z = (x_t - sqrt(a) mu) / sqrt(a s^2 + 1 - a)
 * fixed. Every deterministic sampler must track that exact trajectory; a second-order solver more
 * closely than a first-order one with the same steps. Compared at the last scheduled timestep,
 * before the final jump to sigma 0 (which lands on the posterior mean, not on the ODE endpoint).
 */
class ProbabilityFlowTest {
    private static final float MU = 0.5f;
    private static final float S = 0.3f;

    private static double finalError(String name, int order, int steps) {
        return run(name, order, steps)[0];
    }

    /** [max error, then the samples] after all but the last step. */
    private static double[] run(String name, int order, int steps) {
        ObjectNode cfg = ((ObjectNode) ModelFolder.readConfig(GoldenFolder.configured().resolve("models/tiny-sd/scheduler"))).deepCopy();
        cfg.put("timestep_spacing", "trailing");
        cfg.put("steps_offset", 0);
        cfg.put("set_alpha_to_one", true);
        cfg.put("solver_order", order);
        Scheduler s = Schedulers.create(name, cfg);
        s.setTimesteps(steps);
        float[] acp = s.alphasCumprod();
        float[] z = {-1.5f, -0.3f, 0.2f, 1.1f, 2.0f};
        try (NDManager m = NDManager.newBaseManager()) {
            float aT = acp[s.timesteps()[0]];
            NDArray x = m.create(z).mul((float) Math.sqrt(aT * S * S + 1 - aT)).add((float) Math.sqrt(aT) * MU);
            int[] ts = s.timesteps();
            for (int i = 0; i < ts.length - 1; i++) {
                float a = acp[ts[i]];
                NDArray eps = x.sub((float) Math.sqrt(a) * MU).mul((float) Math.sqrt(1 - a) / (a * S * S + 1 - a));
                x = s.step(eps, ts[i], x, null).prevSample();
            }
            float aEnd = acp[ts[ts.length - 1]];
            float[] got = x.toFloatArray();
            double worst = 0;
            for (int i = 0; i < z.length; i++) {
                double exact = Math.sqrt(aEnd) * MU + Math.sqrt(aEnd * S * S + 1 - aEnd) * z[i];
                worst = Math.max(worst, Math.abs(got[i] - exact));
            }
            double[] out = new double[1 + got.length];
            out[0] = worst;
            for (int i = 0; i < got.length; i++) {
                out[i + 1] = got[i];
            }
            return out;
        }
    }

    @Test
    void samplersFollowTheExactOdeSolution() {
        double ddimFine = finalError("ddim", 1, 200);
        double dpm1 = finalError("dpm", 1, 10);
        double dpm2 = finalError("dpm", 2, 10);
        System.out.printf("ddim200=%.2e dpm1(10)=%.2e dpm2(10)=%.2e%n", ddimFine, dpm1, dpm2);
        assertTrue(ddimFine < 2e-2, "DDIM with many steps: " + ddimFine);
        assertTrue(dpm2 < 1.5e-2, "DPM-Solver++(2M) with 10 steps: " + dpm2);
        assertTrue(dpm2 < dpm1 / 2, "second order must clearly beat first order: " + dpm2 + " vs " + dpm1);
    }

    /** PLMS (PNDM) is a fourth-order multistep method: far closer than DDIM with the same steps. */
    @Test
    void pndmTracksTheOdeBetterThanDdim() {
        double pndm = finalError("pndm", 1, 20);
        double ddim = finalError("ddim", 1, 20);
        System.out.printf("pndm(20)=%.2e ddim(20)=%.2e%n", pndm, ddim);
        assertTrue(pndm < ddim / 2, "pndm " + pndm + " vs ddim " + ddim);
    }

    /** DDIM (eta 0) is DPM-Solver++ of order 1: same timesteps, same samples. */
    @Test
    void ddimEqualsFirstOrderDpmSolver() {
        double[] ddim = run("ddim", 1, 10);
        double[] dpm1 = run("dpm", 1, 10);
        for (int i = 1; i < ddim.length; i++) {
            assertEquals(ddim[i], dpm1[i], 1e-5, "sample " + i);
        }
    }
}

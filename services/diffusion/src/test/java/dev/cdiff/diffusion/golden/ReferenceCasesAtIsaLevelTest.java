package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.BackendFingerprint;
import dev.cdiff.diffusion.backend.GradientSelfCheck;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The train-step and pipeline reference cases at whatever oneDNN ISA level this JVM was started with. The build runs
 * this class once at the machine's own level and again with ONEDNN_MAX_CPU_ISA forced to AVX512_CORE, AVX2 and
 * SSE41, so a result that is right only on one kernel path fails CI on any CPU.
 */
class ReferenceCasesAtIsaLevelTest {
    /** Wrong kernels showed up as memory-dependent errors, so one passing run of the train step is not enough. */
    private static final int TRAIN_STEP_RUNS = 3;

    @Test
    void theIsaLevelTheBuildAskedForIsInEffect() {
        String expected = System.getProperty("expected.isa.cap");
        BackendFingerprint backend = BackendFingerprint.current();
        System.out.println("backend: " + backend.describe());
        if (expected != null) {
            assertEquals(expected, backend.isaCap(), "ONEDNN_MAX_CPU_ISA did not reach the test JVM");
        }
    }

    @Test
    void trainStepCasePassesRunAfterRun() {
        GoldenCheck check = GoldenCheck.withRegisteredRunners();
        for (int run = 1; run <= TRAIN_STEP_RUNS; run++) {
            assertAllPass(check.run(GoldenFolder.configured(), spec -> "train_step".equals(spec.path("kind").asText()),
                    System.out), "train_step", run);
        }
    }

    @Test
    void pipelineCasesPass() {
        GoldenCheck check = GoldenCheck.withRegisteredRunners();
        assertAllPass(check.run(GoldenFolder.configured(), spec -> "pipeline".equals(spec.path("kind").asText()),
                System.out), "pipeline", 1);
    }

    private static void assertAllPass(List<GoldenCheck.CaseOutcome> outcomes, String kind, int run) {
        assertFalse(outcomes.isEmpty(), "the reference set must hold " + kind + " cases");
        for (GoldenCheck.CaseOutcome o : outcomes) {
            assertTrue(o.result().passed(), "run " + run + " on " + BackendFingerprint.current().describe() + ": "
                    + o.line());
        }
    }

    @Test
    void gradientSelfCheckPassesFromTheBundledCase() {
        GradientSelfCheck.Result r = GradientSelfCheck.run();
        System.out.println(r.summary());
        assertTrue(r.passed(), r.summary() + ": " + r.detail());
        assertTrue(r.maxAbsError() < 1e-4, "max abs error " + r.maxAbsError());
        assertFalse(r.backend().engine().isBlank());
    }
}

package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.schedulers.Scheduler;
import dev.cdiff.diffusion.schedulers.SchedulerStep;

import java.nio.file.Path;
import java.util.Arrays;

/** Kind "scheduler_step": set_timesteps(n) then each in.k.* step in order. */
public final class SchedulerStepCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "scheduler_step";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        Scheduler scheduler = SchedulerCases.load(caseSpec, goldenDir);
        scheduler.setTimesteps(GoldenCases.requireInt(caseSpec, "num_inference_steps"));
        ToleranceCheck check = GoldenCases.tolerance(caseSpec);
        try (NDManager m = ComputeDevice.newManager(); SafeTensors t = GoldenCases.tensors(caseSpec, goldenDir)) {
            if (t.contains("out.timesteps")) {
                long[] actual = Arrays.stream(scheduler.timesteps()).asLongStream().toArray();
                long[] expected = t.loadLongs("out.timesteps");
                if (!Arrays.equals(actual, expected)) {
                    check.fail("timesteps " + Arrays.toString(actual) + " != " + Arrays.toString(expected));
                } else {
                    check.check("out.timesteps", actual, expected);
                }
            }
            for (int k = 0; t.contains("in." + k + ".sample"); k++) {
                try (NDManager step = m.newSubManager()) {
                    int timestep = (int) t.loadLongs("in." + k + ".timestep")[0];
                    NDArray sample = t.load("in." + k + ".sample", step);
                    NDArray output = t.load("in." + k + ".model_output", step);
                    String noiseName = "in." + k + ".variance_noise";
                    NDArray noise = t.contains(noiseName) ? t.load(noiseName, step) : null;
                    SchedulerStep r = scheduler.step(output, timestep, sample, noise);
                    check.check("out." + k + ".prev_sample", r.prevSample().toFloatArray(),
                            t.loadFloats("out." + k + ".prev_sample"));
                    String x0Name = "out." + k + ".pred_original_sample";
                    if (t.contains(x0Name)) {
                        check.check(x0Name, r.predOriginalSample().toFloatArray(), t.loadFloats(x0Name));
                    }
                }
            }
        }
        return check.result();
    }
}

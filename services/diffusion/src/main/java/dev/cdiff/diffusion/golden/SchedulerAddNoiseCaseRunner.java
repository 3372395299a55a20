package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.schedulers.Scheduler;

import java.nio.file.Path;

/** Kind "scheduler_add_noise": alphas_cumprod, add_noise and (when present) get_velocity. */
public final class SchedulerAddNoiseCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "scheduler_add_noise";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        Scheduler scheduler = SchedulerCases.load(caseSpec, goldenDir);
        ToleranceCheck check = GoldenCases.tolerance(caseSpec);
        try (NDManager m = ComputeDevice.newManager(); SafeTensors t = GoldenCases.tensors(caseSpec, goldenDir)) {
            NDArray x0 = t.load("in.original_samples", m);
            NDArray noise = t.load("in.noise", m);
            NDArray ts = t.load("in.timesteps", m);
            for (String name : t.names()) {
                if (!name.startsWith("out.")) {
                    continue;
                }
                switch (name) {
                    case "out.alphas_cumprod":
                        check.check(name, scheduler.alphasCumprod(), t.loadFloats(name));
                        break;
                    case "out.noisy":
                        check.check(name, scheduler.addNoise(x0, noise, ts).toFloatArray(), t.loadFloats(name));
                        break;
                    default:
                        if (name.contains("velocity")) {
                            check.check(name, scheduler.getVelocity(x0, noise, ts).toFloatArray(), t.loadFloats(name));
                        } else {
                            check.fail("unknown output " + name);
                        }
                }
            }
        }
        return check.result();
    }
}

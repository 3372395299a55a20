package dev.cdiff.diffusion.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.schedulers.DDIMScheduler;
import dev.cdiff.diffusion.schedulers.Scheduler;
import dev.cdiff.diffusion.schedulers.Schedulers;

import java.nio.file.Path;

/** Builds the scheduler a scheduler case names (a folder of its model, e.g. "scheduler_ddpm"). */
final class SchedulerCases {
    private SchedulerCases() {
    }

    static Scheduler load(JsonNode caseSpec, Path goldenDir) {
        Path dir = GoldenCases.modelDir(caseSpec, goldenDir).resolve(GoldenCases.requireText(caseSpec, "scheduler"));
        Scheduler s = Schedulers.fromConfig(dir);
        if (caseSpec.has("eta")) {
            float eta = (float) caseSpec.get("eta").asDouble();
            if (s instanceof DDIMScheduler ddim) {
                ddim.setEta(eta);
            } else if (eta != 0f) {
                throw new IllegalArgumentException("eta " + eta + " given for a " + s.name() + " scheduler");
            }
        }
        return s;
    }
}

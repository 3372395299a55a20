package dev.cdiff.diffusion.schedulers;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.UnsupportedConfigException;

import java.nio.file.Path;
import java.util.Locale;

/** Builds schedulers from diffusers scheduler configs. */
public final class Schedulers {
    private Schedulers() {
    }

    /** The scheduler named by scheduler_config.json's _class_name in {@code schedulerDir}. */
    /**
     * Stable Diffusion 1.x's training schedule (scaled_linear betas 0.00085..0.012, 1000 steps, epsilon) as a
     * DDIM scheduler_config.json node: what the models this project writes (toy base, SD-1.5-shaped bench model)
     * ship, so sampling on any of them does the same work.
     */
    public static ObjectNode stableDiffusionDdimConfig() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("_class_name", "DDIMScheduler");
        c.put("beta_end", 0.012);
        c.put("beta_schedule", "scaled_linear");
        c.put("beta_start", 0.00085);
        c.put("clip_sample", false);
        c.put("num_train_timesteps", 1000);
        c.put("prediction_type", "epsilon");
        c.put("set_alpha_to_one", false);
        c.put("steps_offset", 1);
        c.put("timestep_spacing", "leading");
        c.putNull("trained_betas");
        return c;
    }

    public static Scheduler fromConfig(Path schedulerDir) {
        return fromConfig(ModelFolder.readConfig(schedulerDir));
    }

    public static Scheduler fromConfig(JsonNode config) {
        JsonNode cls = config.get("_class_name");
        if (cls == null || cls.isNull()) {
            throw new UnsupportedConfigException("scheduler config has no _class_name");
        }
        return create(cls.asText(), config);
    }

    /**
     * A scheduler of another type with the same training betas, like diffusers'
     * {@code OtherScheduler.from_config(pipe.scheduler.config)}: each type reads the options it knows.
     * Names: ddpm, ddim, dpm (or dpm++ / dpmsolver), pndm (plms) or the diffusers class names.
     */
    public static Scheduler create(String name, JsonNode baseConfig) {
        ObjectNode cfg = baseConfig == null ? JsonNodeFactory.instance.objectNode()
                : ((ObjectNode) baseConfig).deepCopy();
        switch (name.toLowerCase(Locale.ROOT)) {
            case "ddpm":
            case "ddpmscheduler":
                cfg.put("_class_name", "DDPMScheduler");
                return new DDPMScheduler(cfg);
            case "ddim":
            case "ddimscheduler":
                cfg.put("_class_name", "DDIMScheduler");
                return new DDIMScheduler(cfg);
            case "pndm":
            case "plms":
            case "pndmscheduler":
                cfg.put("_class_name", "PNDMScheduler");
                // Stable Diffusion's PNDM config skips the Runge-Kutta warm-up; only that variant is implemented
                if (!cfg.has("skip_prk_steps")) {
                    cfg.put("skip_prk_steps", true);
                }
                return new PNDMScheduler(cfg);
            case "dpm":
            case "dpm++":
            case "dpmsolver":
            case "dpmsolvermultistepscheduler":
                cfg.put("_class_name", "DPMSolverMultistepScheduler");
                // DDPM's variance_type values mean nothing to DPM-Solver
                if (cfg.has("variance_type") && !cfg.get("variance_type").asText().startsWith("learned")) {
                    cfg.remove("variance_type");
                }
                return new DPMSolverMultistepScheduler(cfg);
            default:
                throw new UnsupportedConfigException("scheduler " + name
                        + " is not supported (supported: ddpm, ddim, dpm, pndm)");
        }
    }
}

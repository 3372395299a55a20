package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SampleResult;
import dev.cdiff.diffusion.pipelines.StableDiffusion;

import java.nio.file.Path;

/**
 * Kind "pipeline": text-to-image from the given initial latents with the case's prompts,
 * negative prompt, steps, guidance and eta -> out.latents and out.image.
 */
public final class PipelineCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "pipeline";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        Path modelDir = GoldenCases.modelDir(caseSpec, goldenDir);
        ToleranceCheck check = GoldenCases.tolerance(caseSpec);
        try (NDManager m = ComputeDevice.newManager();
             SafeTensors t = GoldenCases.tensors(caseSpec, goldenDir);
             StableDiffusion loaded = StableDiffusion.load(modelDir, m)) {
            StableDiffusion pipe = caseSpec.hasNonNull("scheduler")
                    ? loaded.withSchedulerConfig(ModelFolder.readConfig(modelDir.resolve(caseSpec.get("scheduler").asText())))
                    : loaded;
            SampleRequest req = new SampleRequest(GoldenCases.textList(caseSpec, "prompts"))
                    .negativePrompt(caseSpec.path("negative_prompt").asText(""))
                    .steps(GoldenCases.requireInt(caseSpec, "num_inference_steps"))
                    .guidance((float) caseSpec.path("guidance_scale").asDouble(7.5))
                    .eta((float) caseSpec.path("eta").asDouble(0))
                    .imagesPerPrompt(caseSpec.path("num_images_per_prompt").asInt(1))
                    .clipSkip(caseSpec.path("clip_skip").asInt(0))
                    .guidanceRescale((float) caseSpec.path("guidance_rescale").asDouble(0));
            if (caseSpec.hasNonNull("height") && caseSpec.hasNonNull("width")) {
                req.size(caseSpec.get("height").asInt(), caseSpec.get("width").asInt());
            }
            if (caseSpec.hasNonNull("seed")) {
                req.seed(caseSpec.get("seed").asLong());
            }
            if (!t.contains("in.latents")) {
                throw new IllegalArgumentException("pipeline case needs in.latents (engine noise cannot match the reference RNG)");
            }
            req.initialLatents(t.loadFloats("in.latents"));
            SampleResult result = pipe.generate(req);
            if (t.contains("out.latents")) {
                check.check("out.latents", result.latents(), t.loadFloats("out.latents"));
            }
            if (t.contains("out.image")) {
                check.check("out.image", result.pixels(), t.loadFloats("out.image"));
            }
        }
        return check.result();
    }
}

package dev.cdiff.toyworld.eval;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.training.TrainingModels;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SampleResult;
import dev.cdiff.diffusion.pipelines.StableDiffusion;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.metrics.PromptedImage;
import java.util.ArrayList;
import java.util.List;

/** Samples toy images from (possibly fine-tuned) loaded models with the core pipeline, reproducibly by seed. */
public final class ModelSampler {
    private final JsonNode schedulerConfig;
    private final int steps;
    private final float guidance;

    public ModelSampler(JsonNode schedulerConfig, int steps, float guidance) {
        this.schedulerConfig = schedulerConfig;
        this.steps = steps;
        this.guidance = guidance;
    }

    /** perPrompt images of every prompt, prompt-major; prompt i uses seed + i so rows are comparable across models. */
    public List<PromptedImage> sample(TrainingModels models, List<String> prompts, int perPrompt, long seed,
                                      NDManager manager) {
        List<PromptedImage> out = new ArrayList<>();
        try (NDManager m = manager.newSubManager()) {
            StableDiffusion pipeline = new StableDiffusion(models.tokenizer(), models.textEncoder(), models.unet(),
                models.vae(), schedulerConfig, m);
            for (int i = 0; i < prompts.size(); i++) {
                SampleResult r = pipeline.generate(new SampleRequest(List.of(prompts.get(i))).imagesPerPrompt(perPrompt)
                    .steps(steps).guidance(guidance).seed(seed + i));
                out.addAll(toImages(r, prompts.get(i)));
            }
        }
        return out;
    }

    /** One image per prompt, all prompts in batches of batchSize (for long caption lists). */
    public List<PromptedImage> sampleEach(TrainingModels models, List<String> prompts, int batchSize, long seed,
                                          NDManager manager) {
        List<PromptedImage> out = new ArrayList<>();
        try (NDManager m = manager.newSubManager()) {
            StableDiffusion pipeline = new StableDiffusion(models.tokenizer(), models.textEncoder(), models.unet(),
                models.vae(), schedulerConfig, m);
            for (int s = 0; s < prompts.size(); s += batchSize) {
                List<String> chunk = prompts.subList(s, Math.min(prompts.size(), s + batchSize));
                SampleResult r = pipeline.generate(new SampleRequest(chunk).steps(steps).guidance(guidance).seed(seed + s));
                List<ToyImage> images = images(r);
                for (int i = 0; i < chunk.size(); i++) out.add(new PromptedImage(chunk.get(i), images.get(i)));
            }
        }
        return out;
    }

    private static List<PromptedImage> toImages(SampleResult r, String prompt) {
        List<PromptedImage> out = new ArrayList<>();
        for (ToyImage img : images(r)) out.add(new PromptedImage(prompt, img));
        return out;
    }

    static List<ToyImage> images(SampleResult r) {
        int per = 3 * r.height() * r.width();
        List<ToyImage> out = new ArrayList<>();
        for (int i = 0; i < r.count(); i++) {
            float[] chw = new float[per];
            System.arraycopy(r.pixels(), i * per, chw, 0, per);
            out.add(ToyImage.fromChw(chw, r.width(), r.height()));
        }
        return out;
    }
}

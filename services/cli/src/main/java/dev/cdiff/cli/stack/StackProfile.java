package dev.cdiff.cli.stack;

import dev.cdiff.diffusion.pipelines.SamplingPreset;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Service settings for a local run on a small CPU machine: the pipeline's production defaults (512 px, 250 training
 * steps, DDPM sampling at 200 steps, 200 class images) would take hours here, so the local profiles shrink every knob while
 * keeping every step of the chain. Keys are {@link dev.cdiff.platform.config.ServiceConfig} names; any of them can be
 * overridden with {@code --set KEY=VALUE}.
 */
public final class StackProfile {
    private StackProfile() {
    }

    /** A few minutes end to end on two cores: the demo and a fresh {@code up}. */
    public static Map<String, String> demo(int imageSize) {
        Map<String, String> s = new LinkedHashMap<>();
        int trainingSide = trainingResolution(imageSize);
        s.put("INGESTION_IMAGE_SIDE", Integer.toString(trainingSide));
        s.put("RETRIEVAL_MIN_IMAGES", "4");
        s.put("RETRIEVAL_GENERATION_STEPS", "4");
        s.put("RETRIEVAL_GENERATION_SIDE", Integer.toString(imageSize));
        s.put("ORCHESTRATOR_REGULARIZATION_MAX_IMAGES", "8");
        // the toy text encoder was trained as diffusion conditioning, not contrastively: its caption space is
        // compressed and "photo of a square" is above 0.85 to no toy caption at all (0.76 at best, ten at 0.7 among
        // the seeded thousand), so the paper's LAION threshold would leave the class sets generated
        s.put("ORCHESTRATOR_REGULARIZATION_MIN_SIMILARITY", "0.7");
        s.put(ToyCorpusSeed.IMAGES_SETTING, Integer.toString(ToyCorpusSeed.DEFAULT_IMAGES));
        s.put("ORCHESTRATOR_TRAINING_STEPS", "30");
        // twice the single-concept steps, as the paper's 500 to 250: each concept gets half of every batch
        s.put("ORCHESTRATOR_TRAINING_JOINT_STEPS", "60");
        s.put("ORCHESTRATOR_TRAINING_BATCH_SIZE", "2");
        s.put("ORCHESTRATOR_TRAINING_RESOLUTION", Integer.toString(trainingSide));
        s.put("ORCHESTRATOR_TRAINING_LEARNING_RATE", "1e-4");
        s.put("ORCHESTRATOR_TRAINING_PROGRESS_EVERY_STEPS", "3");
        s.put("ORCHESTRATOR_TRAINING_CHECKPOINT_EVERY_STEPS", "10");
        s.put("ORCHESTRATOR_SAMPLING_PROMPTS", "photo of a {token} {class}");
        // the fast preset's deterministic sampler at even fewer steps: paper sampling (DDPM 200) would dominate the demo
        s.put("ORCHESTRATOR_SAMPLING_SCHEDULER", SamplingPreset.FAST.scheduler());
        s.put("ORCHESTRATOR_SAMPLING_STEPS", "10");
        s.put("ORCHESTRATOR_SAMPLING_IMAGES_PER_PROMPT", "2");
        s.put("POLL_TIMEOUT_MS", "200");
        return s;
    }

    /**
     * Training runs at the model's own image side: the augmentation keeps at least the latent cells the pasted
     * image covers, so even 32 px images (8x8 latents) never give an empty loss mask.
     */
    static int trainingResolution(int imageSize) {
        return imageSize;
    }

    /** The smallest run that still passes every step: for the end-to-end test. */
    public static Map<String, String> test(int imageSize) {
        Map<String, String> s = demo(imageSize);
        s.put("RETRIEVAL_MIN_IMAGES", "2");
        s.put("RETRIEVAL_GENERATION_STEPS", "1");
        s.put("ORCHESTRATOR_REGULARIZATION_MAX_IMAGES", "2");
        // enough captions near each class prompt for two-image class sets, at a fifth of the seeding time
        s.put(ToyCorpusSeed.IMAGES_SETTING, "200");
        s.put("ORCHESTRATOR_TRAINING_STEPS", "3");
        s.put("ORCHESTRATOR_TRAINING_JOINT_STEPS", "4");
        s.put("ORCHESTRATOR_TRAINING_PROGRESS_EVERY_STEPS", "1");
        s.put("ORCHESTRATOR_TRAINING_CHECKPOINT_EVERY_STEPS", "2");
        s.put("ORCHESTRATOR_SAMPLING_STEPS", "2");
        s.put("ORCHESTRATOR_SAMPLING_IMAGES_PER_PROMPT", "1");
        return s;
    }
}

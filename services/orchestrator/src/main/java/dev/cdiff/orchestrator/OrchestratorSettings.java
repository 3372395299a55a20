package dev.cdiff.orchestrator;

import dev.cdiff.platform.config.ServiceConfig;

import java.util.List;
import java.util.Map;

/**
 * What the state machine puts into the requests it emits. Templates use {@code {class}} for the class word and
 * {@code {token}} for the modifier token.
 */
public record OrchestratorSettings(
        String classPromptTemplate,
        int regularizationMaxImages,
        double regularizationMinSimilarity,
        String modifierToken,
        String defaultInitializerWord,
        String captionTemplate,
        String baseModel,
        String baseModelDigest,
        int trainingSteps,
        int jointTrainingSteps,
        int trainingBatchSize,
        double trainingLearningRate,
        double tokenOnlyLearningRate,
        double trainingPriorLossWeight,
        int trainingResolution,
        String trainingMode,
        int progressEverySteps,
        int checkpointEverySteps,
        List<String> samplePromptTemplates,
        String sampleNegativePrompt,
        int sampleSteps,
        double sampleGuidanceScale,
        String sampleScheduler,
        int sampleImagesPerPrompt) {

    public static final String PREFIX = "orchestrator.";
    private static final List<String> SCHEDULERS = List.of("ddpm", "ddim", "dpm");
    private static final List<String> MODES = List.of("custom-diffusion", "token-only", "full-unet");

    public OrchestratorSettings {
        requireTemplate(classPromptTemplate, "{class}", "regularization.class-prompt");
        requireTemplate(captionTemplate, "{token}", "training.caption-template");
        samplePromptTemplates = List.copyOf(samplePromptTemplates);
        for (String template : samplePromptTemplates) {
            requireTemplate(template, "{token}", "sampling.prompts");
        }
        if (!SCHEDULERS.contains(sampleScheduler)) {
            throw new IllegalArgumentException("setting " + PREFIX + "sampling.scheduler must be one of " + SCHEDULERS
                    + ", got '" + sampleScheduler + "'");
        }
        if (!MODES.contains(trainingMode)) {
            throw new IllegalArgumentException("setting " + PREFIX + "training.mode must be one of " + MODES
                    + ", got '" + trainingMode + "'");
        }
        if (modifierToken.isBlank() || defaultInitializerWord.isBlank()) {
            throw new IllegalArgumentException("settings " + PREFIX + "training.modifier-token and "
                    + PREFIX + "training.initializer-word must not be blank");
        }
    }

    public static OrchestratorSettings defaults() {
        return fromMap(Map.of());
    }

    /** Reads {@code orchestrator.*} keys; every key is optional (see the defaults below). */
    public static OrchestratorSettings fromMap(Map<String, String> settings) {
        return read(ConfigValues.of(settings));
    }

    /** The same keys from a service config (env spelling ORCHESTRATOR_TRAINING_STEPS etc. also accepted there). */
    public static OrchestratorSettings fromServiceConfig(ServiceConfig config) {
        return read(new ConfigValues(key -> config.optional(key).orElse(null)));
    }

    private static OrchestratorSettings read(ConfigValues v) {
        return new OrchestratorSettings(
                v.text(PREFIX + "regularization.class-prompt", "photo of a {class}"),
                v.integer(PREFIX + "regularization.max-images", 200, 1),
                v.decimal(PREFIX + "regularization.min-similarity", 0.85, -1.0, 1.0),
                v.text(PREFIX + "training.modifier-token", "<new1>"),
                v.text(PREFIX + "training.initializer-word", "ktn"),
                v.text(PREFIX + "training.caption-template", "photo of a {token} {class}"),
                v.text(PREFIX + "training.base-model", "tiny-sd"),
                v.text(PREFIX + "training.base-model-digest", ""),
                v.integer(PREFIX + "training.steps", 250, 1),
                // the reference trains two concepts jointly for 500 steps (its multi-concept recipe), twice the
                // single-concept 250: each concept gets about half of every batch
                v.integer(PREFIX + "training.joint-steps", 500, 1),
                v.integer(PREFIX + "training.batch-size", 8, 1),
                v.decimal(PREFIX + "training.learning-rate", 1e-5, 0.0, 1.0),
                // token-only (textual inversion) moves only embedding rows, which start at a word and must travel to
                // the concept: at the K/V rate of 1e-5 they barely leave the initializer in 250 steps. 5e-4 is the
                // core's default for that mode (TrainingConfig.defaultLearningRate), after textual-inversion recipes
                v.decimal(PREFIX + "training.token-only-learning-rate", 5e-4, 0.0, 1.0),
                v.decimal(PREFIX + "training.prior-loss-weight", 1.0, 0.0, 1000.0),
                v.integer(PREFIX + "training.resolution", 512, 8),
                v.text(PREFIX + "training.mode", "custom-diffusion"),
                v.integer(PREFIX + "training.progress-every-steps", 10, 1),
                v.integer(PREFIX + "training.checkpoint-every-steps", 50, 1),
                v.list(PREFIX + "sampling.prompts", List.of("photo of a {token} {class}", "a {token} {class} on the beach")),
                v.text(PREFIX + "sampling.negative-prompt", ""),
                // the paper's sampler (the reference samples DDPM-like, 200 steps, guidance 6, eta 1); profiles that
                // must be quick name the fast DDIM setting themselves
                v.integer(PREFIX + "sampling.steps", 200, 1),
                v.decimal(PREFIX + "sampling.guidance-scale", 6.0, 0.0, 100.0),
                v.text(PREFIX + "sampling.scheduler", "ddpm"),
                v.integer(PREFIX + "sampling.images-per-prompt", 1, 1));
    }

    private static void requireTemplate(String template, String placeholder, String key) {
        if (template == null || !template.contains(placeholder)) {
            throw new IllegalArgumentException("setting " + PREFIX + key + " must contain " + placeholder
                    + ", got '" + template + "'");
        }
    }
}

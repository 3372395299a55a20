package dev.cdiff.retrieval;

import dev.cdiff.platform.config.ConfigException;
import dev.cdiff.platform.config.ServiceConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Retrieval's own settings (environment variable names; properties use lower case with dots):
 * <ul>
 * <li>{@code BASE_MODEL_DIR} (required): diffusers folder of the base model; caption features come from its text
 * encoder and generated class images from its pipeline</li>
 * <li>{@code RETRIEVAL_INDEX_DIR} (WORK_DIR/caption-index): where the Lucene index lives (one sub-folder per base
 * model digest)</li>
 * <li>{@code RETRIEVAL_MIN_IMAGES} (50): a set with fewer retrieved images is topped up by generation</li>
 * <li>{@code RETRIEVAL_GENERATE} (true), {@code RETRIEVAL_GENERATION_STEPS} (50),
 * {@code RETRIEVAL_GENERATION_GUIDANCE} (6.0), {@code RETRIEVAL_GENERATION_SIDE} (0 = the model's own size),
 * {@code RETRIEVAL_GENERATION_SEED} (0), {@code RETRIEVAL_GENERATION_SCHEDULER} (the model's own)</li>
 * <li>{@code RETRIEVAL_SYNC_SECONDS} (60): how stale the index may be relative to the corpus in S3 before a request
 * re-syncs it</li>
 * </ul>
 */
public record RetrievalSettings(Path baseModelDir, Path indexDir, int minImages, boolean generate,
                                int generationSteps, double generationGuidance, int generationSide,
                                long generationSeed, String generationScheduler, long syncSeconds) {
    public static final String BASE_MODEL_DIR = "BASE_MODEL_DIR";
    public static final String INDEX_DIR = "RETRIEVAL_INDEX_DIR";
    public static final String MIN_IMAGES = "RETRIEVAL_MIN_IMAGES";
    public static final String GENERATE = "RETRIEVAL_GENERATE";
    public static final String GENERATION_STEPS = "RETRIEVAL_GENERATION_STEPS";
    public static final String GENERATION_GUIDANCE = "RETRIEVAL_GENERATION_GUIDANCE";
    public static final String GENERATION_SIDE = "RETRIEVAL_GENERATION_SIDE";
    public static final String GENERATION_SEED = "RETRIEVAL_GENERATION_SEED";
    public static final String GENERATION_SCHEDULER = "RETRIEVAL_GENERATION_SCHEDULER";
    public static final String SYNC_SECONDS = "RETRIEVAL_SYNC_SECONDS";

    public static RetrievalSettings from(ServiceConfig config) {
        Path model = Path.of(config.required(BASE_MODEL_DIR));
        if (!Files.isDirectory(model)) {
            throw new ConfigException(BASE_MODEL_DIR + " = " + model + " is not a folder");
        }
        Path index = config.optional(INDEX_DIR).map(Path::of)
                .orElseGet(() -> config.workDir().resolve("caption-index"));
        return new RetrievalSettings(model, index, (int) number(config, MIN_IMAGES, 50),
                Boolean.parseBoolean(config.optional(GENERATE).orElse("true")),
                (int) number(config, GENERATION_STEPS, 50), decimal(config, GENERATION_GUIDANCE, 6.0),
                (int) number(config, GENERATION_SIDE, 0), number(config, GENERATION_SEED, 0),
                config.optional(GENERATION_SCHEDULER).orElse(null), number(config, SYNC_SECONDS, 60));
    }

    static long number(ServiceConfig config, String name, long fallback) {
        String raw = config.optional(name).orElse(null);
        try {
            return raw == null ? fallback : Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be an integer, got '" + raw + "'");
        }
    }

    static double decimal(ServiceConfig config, String name, double fallback) {
        String raw = config.optional(name).orElse(null);
        try {
            return raw == null ? fallback : Double.parseDouble(raw.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a number, got '" + raw + "'");
        }
    }
}

package dev.cdiff.training;

import dev.cdiff.platform.config.ConfigException;
import dev.cdiff.platform.config.ServiceConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Training's own settings:
 * <ul>
 * <li>{@code BASE_MODEL_DIR} (required): diffusers folder of the base model deltas are trained on</li>
 * <li>{@code TRAINING_KEEPALIVE_POLL_MS} (1000): while a job runs on the worker thread, the consumer thread polls
 * (with its partitions paused) this often, so the group never sees the worker as stuck</li>
 * <li>{@code TRAINING_LEASE_TTL_MS} (60000): how long a job's lease lasts without renewal; a worker that died
 * holding it blocks the job this long at most. It is renewed every third of it, and a revoked partition waits up to
 * this long for the job to reach its checkpoint</li>
 * <li>{@code KAFKA_CLIENT_MAX_POLL_INTERVAL_MS}: defaults to 300000 for training (see {@link TrainingService})</li>
 * </ul>
 */
public record TrainingSettings(Path baseModelDir, Duration keepAlivePoll, Duration leaseTtl) {
    public static final String BASE_MODEL_DIR = "BASE_MODEL_DIR";
    public static final String KEEPALIVE_POLL_MS = "TRAINING_KEEPALIVE_POLL_MS";
    public static final String LEASE_TTL_MS = "TRAINING_LEASE_TTL_MS";

    public static TrainingSettings from(ServiceConfig config) {
        Path model = Path.of(config.required(BASE_MODEL_DIR));
        if (!Files.isDirectory(model)) {
            throw new ConfigException(BASE_MODEL_DIR + " = " + model + " is not a folder");
        }
        return new TrainingSettings(model, positiveMillis(config, KEEPALIVE_POLL_MS, "1000"),
                positiveMillis(config, LEASE_TTL_MS, "60000"));
    }

    private static Duration positiveMillis(ServiceConfig config, String key, String fallback) {
        String raw = config.optional(key).orElse(fallback);
        long ms;
        try {
            ms = Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be an integer, got '" + raw + "'");
        }
        if (ms <= 0) {
            throw new ConfigException(key + " must be positive, got " + ms);
        }
        return Duration.ofMillis(ms);
    }
}

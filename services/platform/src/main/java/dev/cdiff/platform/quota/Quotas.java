package dev.cdiff.platform.quota;

import dev.cdiff.platform.config.ConfigException;
import dev.cdiff.platform.config.ServiceConfig;

import java.util.Map;
import java.util.Optional;

/**
 * Per-tenant training caps and the global number of training slots, read once from the service config so the
 * orchestrator (which schedules and refuses) and the training worker (which re-checks what reaches it straight
 * from Kafka) apply the same numbers.
 *
 * <p>Keys: {@code quota.<cap>} is the default for every tenant, {@code quota.<tenant>.<cap>} overrides it for one
 * (environment spelling {@code QUOTA_MAXSTEPS}, {@code QUOTA_ACME_MAXSTEPS}; a '-' in a tenant id becomes '_').
 * Caps: {@value #MAX_STEPS} (2000), {@value #MAX_RESOLUTION} (768), {@value #MAX_BATCH_SIZE} (8),
 * {@value #MAX_IMAGES_PER_CONCEPT} (20), {@value #MAX_CONCURRENT_TRAINING} (2), {@value #MAX_QUEUED_TRAINING} (50).
 * {@code quota.}{@value #TRAINING_SLOTS} (1) is how many training jobs run at once across all tenants: set it to
 * the number of training workers, since a request released beyond that only waits in the topic, where it is no
 * longer scheduled fairly.
 */
public final class Quotas {
    public static final String MAX_STEPS = "maxSteps";
    public static final String MAX_RESOLUTION = "maxResolution";
    public static final String MAX_BATCH_SIZE = "maxBatchSize";
    public static final String MAX_IMAGES_PER_CONCEPT = "maxImagesPerConcept";
    public static final String MAX_CONCURRENT_TRAINING = "maxConcurrentTraining";
    public static final String MAX_QUEUED_TRAINING = "maxQueuedTraining";
    public static final String TRAINING_SLOTS = "trainingSlots";
    static final String PREFIX = "quota.";

    private static final Map<String, Integer> DEFAULTS = Map.of(
            MAX_STEPS, 2000,
            MAX_RESOLUTION, 768,
            MAX_BATCH_SIZE, 8,
            MAX_IMAGES_PER_CONCEPT, 20,
            MAX_CONCURRENT_TRAINING, 2,
            MAX_QUEUED_TRAINING, 50);

    private final ServiceConfig config;
    private final int trainingSlots;

    private Quotas(ServiceConfig config) {
        this.config = config;
        this.trainingSlots = positive(PREFIX + TRAINING_SLOTS, 1);
        // a typo in a default must stop the start, not the first job of the day
        DEFAULTS.keySet().forEach(cap -> positive(PREFIX + cap, DEFAULTS.get(cap)));
    }

    public static Quotas from(ServiceConfig config) {
        return new Quotas(config);
    }

    /** Quotas from explicit settings (property or environment spelling), e.g. for tests. */
    public static Quotas fromMap(Map<String, String> settings) {
        return new Quotas(ServiceConfig.of(settings));
    }

    public static Quotas defaults() {
        return fromMap(Map.of());
    }

    public int trainingSlots() {
        return trainingSlots;
    }

    /** The tenant's caps: its own settings where given, the defaults otherwise. */
    public TenantQuota forTenant(String tenantId) {
        return new TenantQuota(tenantId, cap(tenantId, MAX_STEPS), cap(tenantId, MAX_RESOLUTION),
                cap(tenantId, MAX_BATCH_SIZE), cap(tenantId, MAX_IMAGES_PER_CONCEPT),
                cap(tenantId, MAX_CONCURRENT_TRAINING), cap(tenantId, MAX_QUEUED_TRAINING));
    }

    /** The setting that decides the cap for the tenant, as named in refusals. */
    static String key(String tenantId, String cap) {
        return PREFIX + tenantId + "." + cap;
    }

    private int cap(String tenantId, String cap) {
        int fallback = positive(PREFIX + cap, DEFAULTS.get(cap));
        return positive(key(tenantId, cap), fallback);
    }

    private int positive(String key, int fallback) {
        Optional<String> raw = config.optional(key);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.get().strip());
            if (value < 1) {
                throw new ConfigException(key + " must be at least 1, got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be an integer, got '" + raw.get() + "'");
        }
    }
}

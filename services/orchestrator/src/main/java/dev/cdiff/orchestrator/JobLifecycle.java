package dev.cdiff.orchestrator;

import dev.cdiff.platform.config.ServiceConfig;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * How long a job may stay in each stage without news before the orchestrator ends it, how long a finished job's
 * status is kept, and how often both are checked. Keys: {@code orchestrator.timeout.<stage>} (ingesting,
 * regularizing, queued, training, sampling, merging), {@code orchestrator.jobs.retention},
 * {@code orchestrator.sweep.interval}; values like {@code 90s}, {@code 30m}, {@code 6h}, {@code 7d}, {@code 500ms}
 * or ISO-8601 ({@code PT30M}).
 *
 * <p>Training's clock restarts with every progress report, so a long run that reports is never cut short; the
 * other stages have no progress and their timeout counts from the stage's start.
 */
public record JobLifecycle(Map<JobStage, Duration> stageTimeouts, Duration finishedJobRetention,
                           Duration sweepInterval) {

    public static final String TIMEOUT_PREFIX = OrchestratorSettings.PREFIX + "timeout.";
    public static final String RETENTION = OrchestratorSettings.PREFIX + "jobs.retention";
    public static final String SWEEP_INTERVAL = OrchestratorSettings.PREFIX + "sweep.interval";

    private static final Map<JobStage, Duration> DEFAULT_TIMEOUTS = Map.of(
            JobStage.INGESTING, Duration.ofMinutes(30),
            JobStage.REGULARIZING, Duration.ofHours(2),
            // waiting is not being stuck: a busy day's queue may take long, but a job forgotten for a week ends
            JobStage.QUEUED, Duration.ofDays(7),
            JobStage.TRAINING, Duration.ofHours(2),
            JobStage.SAMPLING, Duration.ofHours(2),
            JobStage.MERGING, Duration.ofHours(2));

    public JobLifecycle {
        stageTimeouts = Map.copyOf(stageTimeouts);
        if (sweepInterval.isZero() || sweepInterval.isNegative()) {
            throw new IllegalArgumentException("setting " + SWEEP_INTERVAL + " must be positive, got " + sweepInterval);
        }
    }

    public static JobLifecycle defaults() {
        return read(ConfigValues.of(Map.of()));
    }

    public static JobLifecycle fromMap(Map<String, String> settings) {
        return read(ConfigValues.of(settings));
    }

    public static JobLifecycle fromServiceConfig(ServiceConfig config) {
        return read(new ConfigValues(key -> config.optional(key).orElse(null)));
    }

    private static JobLifecycle read(ConfigValues v) {
        Map<JobStage, Duration> timeouts = new EnumMap<>(JobStage.class);
        DEFAULT_TIMEOUTS.forEach((stage, fallback) ->
                timeouts.put(stage, v.duration(TIMEOUT_PREFIX + stage.name().toLowerCase(Locale.ROOT), fallback)));
        return new JobLifecycle(timeouts, v.duration(RETENTION, Duration.ofDays(7)),
                v.duration(SWEEP_INTERVAL, Duration.ofSeconds(30)));
    }

    /** The stage's timeout, or null when the stage has none (final stages). */
    public Duration timeoutOf(JobStage stage) {
        return stageTimeouts.get(stage);
    }

    String describe(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}

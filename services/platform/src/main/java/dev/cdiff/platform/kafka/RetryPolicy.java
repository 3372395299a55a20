package dev.cdiff.platform.kafka;

import dev.cdiff.platform.config.ServiceConfig;

import java.time.Duration;

/** Bounded retries with exponential backoff: waits initial, 2×initial, 4×initial… capped at max. */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoff must not be negative");
        }
    }

    public static RetryPolicy fromConfig(ServiceConfig config) {
        return new RetryPolicy(config.maxAttempts(), config.retryBackoff(), config.retryBackoffMax());
    }

    /** How long to wait after the given failed attempt (1-based) before the next one. */
    public Duration backoffAfter(int failedAttempt) {
        long factor = 1L << Math.min(30, Math.max(0, failedAttempt - 1));
        long millis = initialBackoff.toMillis() * factor;
        if (millis < 0 || millis > maxBackoff.toMillis()) {
            millis = maxBackoff.toMillis();
        }
        return Duration.ofMillis(millis);
    }
}

package dev.cdiff.training;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a held lease alive while its job trains, renewing it every third of its TTL on its own thread (a training
 * step may take longer than the renewal period). When another worker took the lease over, or no renewal succeeded
 * before it expired (S3 unreachable), the job is told to stop at once: past expiry another worker may own the job.
 */
final class LeaseRenewal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewal.class);

    private final JobLease.Held held;
    private final RunControl control;
    private final String jobId;
    private final ScheduledExecutorService timer;

    LeaseRenewal(JobLease.Held held, Duration ttl, RunControl control, String jobId) {
        this.held = held;
        this.control = control;
        this.jobId = jobId;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "training-lease-" + jobId);
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, ttl.toMillis() / 3);
        timer.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        try {
            if (!held.renew()) {
                LOG.warn("job {}: another worker took its lease over; stopping without writing more", jobId);
                control.stopAtOnce("the lease was taken over by another worker");
            }
        } catch (RuntimeException e) {
            if (System.currentTimeMillis() >= held.expiresAtMillis()) {
                control.stopAtOnce("the lease expired while it could not be renewed (" + e.getMessage() + ")");
            } else {
                LOG.warn("job {}: renewing its lease failed ({}); retrying before it expires", jobId, e.toString());
            }
        }
    }

    /** Throws when the lease can no longer be trusted, before the job writes a checkpoint or its outcome. */
    void requireValid() {
        if (control.requested() == RunControl.Stop.AT_ONCE || System.currentTimeMillis() >= held.expiresAtMillis()) {
            control.stopAtOnce(control.reason() != null ? control.reason() : "the lease expired");
            throw new TrainingAborted("job " + jobId + " no longer holds its lease: " + control.reason());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

package dev.cdiff.orchestrator;

import dev.cdiff.platform.faults.FailureKind;
import dev.cdiff.platform.faults.ProcessExit;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What happens when a stream thread dies:
 * <ul>
 *   <li>an unavailable dependency (registry, broker): wait with capped exponential backoff, then replace the
 *       thread; exactly-once left nothing committed, so the new thread starts where the old one stood;</li>
 *   <li>an {@link Error}: the process exits (non-zero) so the supervisor restarts it;</li>
 *   <li>anything else: the client shuts down and liveness says so, so the supervisor restarts the process.</li>
 * </ul>
 */
final class StreamFailurePolicy implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StreamFailurePolicy.class);

    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final ProcessExit exit;
    private final AtomicInteger consecutiveOutages = new AtomicInteger();

    StreamFailurePolicy(Duration initialBackoff, Duration maxBackoff, ProcessExit exit) {
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.exit = exit;
    }

    /** Called when the streams are RUNNING again: the next outage starts from the initial backoff. */
    void recovered() {
        consecutiveOutages.set(0);
    }

    @Override
    public StreamThreadExceptionResponse handle(Throwable failure) {
        Throwable error = errorIn(failure);
        if (error != null) {
            exit.exit(ProcessExit.FATAL_STATUS, "orchestrator stream thread died: " + error, failure);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        if (FailureKind.of(failure) == FailureKind.INFRASTRUCTURE) {
            int n = consecutiveOutages.incrementAndGet();
            long millis = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(20, n - 1));
            LOG.warn("orchestrator stream thread stopped by an unavailable dependency ({}); replacing it in {} ms (outage #{})",
                    FailureKind.infrastructureCause(failure), millis, n);
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        LOG.error("orchestrator stream thread failed; shutting the orchestrator's streams down", failure);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private static Throwable errorIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Error) {
                return t;
            }
        }
        return null;
    }
}

package dev.cdiff.training;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How a running job is told to stop, from other threads: at a checkpoint (the worker is closing or the job's
 * partition moved to another member, so the next owner should lose no step) or at once (the lease was lost: another
 * worker may already be writing this job's checkpoints, so this one must not write anything more).
 */
final class RunControl {
    enum Stop { NONE, AT_CHECKPOINT, AT_ONCE }

    private volatile Stop stop = Stop.NONE;
    private volatile String reason;
    private volatile boolean revoked;
    private final CountDownLatch ended = new CountDownLatch(1);

    synchronized void stopAtCheckpoint(String why) {
        if (stop == Stop.NONE) {
            stop = Stop.AT_CHECKPOINT;
            reason = why;
        }
    }

    /** Stop at a checkpoint because the job's partition is being revoked. */
    synchronized void stopForRevocation(String why) {
        revoked = true;
        stopAtCheckpoint(why);
    }

    boolean revoked() {
        return revoked;
    }

    synchronized void stopAtOnce(String why) {
        stop = Stop.AT_ONCE;
        reason = why;
    }

    Stop requested() {
        return stop;
    }

    String reason() {
        return reason;
    }

    void markEnded() {
        ended.countDown();
    }

    /** @return true when the run ended (finished, failed or stopped) within the time */
    boolean awaitEnd(Duration timeout) {
        try {
            return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

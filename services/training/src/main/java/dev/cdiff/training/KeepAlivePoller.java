package dev.cdiff.training;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a long job on a worker thread while the consumer's own thread keeps polling with every assigned partition
 * paused. Polling keeps the member alive in its group however long training takes (max.poll.interval.ms then only
 * has to cover one keep-alive period, not a whole run), and pausing means no record is fetched meanwhile.
 *
 * <p>Must be called on the thread that owns the consumer (the event loop's handler thread). If a rebalance during
 * the run assigns a new partition, it is paused too, and any record that slipped through is sought back so it is
 * fetched again after the run. A {@code wakeup()} (the service closing) asks the job to abort, waits for it, and
 * surfaces as {@link TrainingAborted}; the record is then not committed and is redelivered later.
 */
final class KeepAlivePoller {
    private final Consumer<?, ?> consumer;
    private final Duration interval;
    private final ExecutorService worker;

    KeepAlivePoller(Consumer<?, ?> consumer, Duration interval, ExecutorService worker) {
        this.consumer = consumer;
        this.interval = interval;
        this.worker = worker;
    }

    <T> T run(Callable<T> job, Runnable abort) throws Exception {
        // the job's log lines carry the event's tenantId/jobId/eventId like the loop thread's
        java.util.Map<String, String> logContext = org.slf4j.MDC.getCopyOfContextMap();
        Future<T> result = worker.submit(() -> {
            if (logContext != null) {
                org.slf4j.MDC.setContextMap(logContext);
            }
            try {
                return job.call();
            } finally {
                org.slf4j.MDC.clear();
            }
        });
        Set<TopicPartition> paused = new HashSet<>(consumer.assignment());
        consumer.pause(paused);
        try {
            while (true) {
                try {
                    return result.get(interval.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    keepAlive(paused);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception ex ? ex : e;
                }
            }
        } catch (WakeupException e) {
            abort.run();
            try {
                result.get();
            } catch (ExecutionException ignored) {
                // the job's own abort exception; the run is left for redelivery either way
            }
            throw new TrainingAborted("the worker is shutting down; the job will resume from its last checkpoint");
        } finally {
            Set<TopicPartition> stillOurs = new HashSet<>(paused);
            stillOurs.retainAll(consumer.assignment());
            consumer.resume(stillOurs);
        }
    }

    private void keepAlive(Set<TopicPartition> paused) {
        ConsumerRecords<?, ?> slipped = consumer.poll(Duration.ZERO);
        for (TopicPartition tp : slipped.partitions()) {
            consumer.seek(tp, slipped.records(tp).get(0).offset());
        }
        Set<TopicPartition> fresh = new HashSet<>(consumer.assignment());
        fresh.removeAll(consumer.paused());
        if (!fresh.isEmpty()) {
            consumer.pause(fresh);
            paused.addAll(fresh);
        }
    }
}

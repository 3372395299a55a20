package dev.cdiff.training;

import dev.cdiff.platform.faults.FailureKind;
import dev.cdiff.platform.kafka.EventPublisher;

import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.kafka.PartitionRevokedException;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingFailed;
import dev.cdiff.schemas.events.TrainingProgress;
import dev.cdiff.schemas.events.TrainingRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.Duration;
import java.util.Collection;
import org.apache.kafka.common.TopicPartition;
import java.util.concurrent.atomic.AtomicInteger;

/** TrainingRequested -> TrainingProgress* -> TrainingCompleted | TrainingFailed. */
final class TrainingHandler {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingHandler.class);

    private final TrainingJob job;
    private final KeepAlivePoller poller;
    private final EventPublisher publisher;
    private final int maxAttempts;
    private final Duration revokeWait;
    private volatile Running running;

    private record Running(TopicPartition partition, String jobId, RunControl control) {
    }

    TrainingHandler(TrainingJob job, KeepAlivePoller poller, EventPublisher publisher, int maxAttempts,
                    Duration revokeWait) {
        this.job = job;
        this.poller = poller;
        this.publisher = publisher;
        this.maxAttempts = maxAttempts;
        this.revokeWait = revokeWait;
    }

    /**
     * The consumer is about to give up these partitions (called inside a keep-alive poll, before the new owner can
     * start): a job from one of them saves a checkpoint at its current step and stops, and the rebalance waits for
     * that, so the new owner resumes exactly where this worker stopped.
     */
    void partitionsRevoked(Collection<TopicPartition> partitions) {
        Running r = running;
        if (r == null || !partitions.contains(r.partition())) {
            return;
        }
        LOG.info("job {}: partition {} revoked; stopping at a checkpoint", r.jobId(), r.partition());
        r.control().stopForRevocation("partition " + r.partition() + " was revoked");
        if (!r.control().awaitEnd(revokeWait)) {
            LOG.warn("job {}: did not reach a checkpoint within {}; its lease keeps the new owner waiting",
                    r.jobId(), revokeWait);
        }
    }

    void handle(InboundEvent<TrainingRequested> inbound) throws Exception {
        TrainingRequested request = inbound.value();
        RunControl control = new RunControl();
        AtomicInteger lastStep = new AtomicInteger();
        ProgressSink sink = (step, total, loss, elapsed, checkpoint) -> {
            lastStep.set(step);
            publisher.publish(request.getJobId(), TrainingProgress.newBuilder()
                    .setEventId(EventPublisher.derivedEventId(request.getEventId(), "TrainingProgress-" + step))
                    .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                    .setCausationId(request.getEventId()).setStep(step).setTotalSteps(total).setLoss(loss)
                    .setElapsedMillis(elapsed).setCheckpoint(checkpoint == null ? null : checkpoint.toRef())
                    .build());
        };
        TrainingResult result;
        try {
            running = new Running(new TopicPartition(inbound.topic(), inbound.partition()), request.getJobId(), control);
            result = poller.run(() -> {
                try {
                    return job.run(request, sink, control);
                } finally {
                    control.markEnded();
                }
            }, () -> control.stopAtCheckpoint("the worker is shutting down"));
        } catch (JobRejected e) {
            LOG.warn("job {}: training rejected ({}): {}", request.getJobId(), e.code(), e.getMessage());
            failed(request, e.getMessage(), e.code(), lastStep.get(), false);
            return;
        } catch (TrainingAborted e) {
            if (control.revoked()) {
                throw new PartitionRevokedException(e.getMessage());
            }
            throw e;
        } catch (Exception e) {
            // an outage is waited out by the loop (the attempt is not used up), so it must not end the job
            if (inbound.attempt() >= maxAttempts && FailureKind.of(e) != FailureKind.INFRASTRUCTURE) {
                failed(request, "training failed after " + inbound.attempt() + " attempts: " + e, e.getClass()
                        .getName(), lastStep.get(), true);
            }
            throw e;
        } finally {
            running = null;
        }
        publisher.publish(request.getJobId(), TrainingCompleted.newBuilder()
                .setEventId(EventPublisher.derivedEventId(request.getEventId(), "TrainingCompleted"))
                .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                .setCausationId(request.getEventId()).setDelta(result.delta().toRef()).setTokens(result.tokens())
                .setClassWords(result.classWords()).setSteps(result.steps()).setFinalLoss(result.finalLoss())
                .setDurationMillis(result.durationMillis()).setBackend(result.backend()).build());
        LOG.info("job {}: trained {} steps (resumed at {}), delta {}", request.getJobId(), result.steps(),
                result.resumedFromStep(), result.delta().key());
    }

    private void failed(TrainingRequested request, String reason, String code, int step, boolean retryable) {
        publisher.publish(request.getJobId(), TrainingFailed.newBuilder()
                .setEventId(EventPublisher.derivedEventId(request.getEventId(), "TrainingFailed"))
                .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                .setCausationId(request.getEventId()).setReason(reason).setErrorClass(code).setStep(step)
                .setRetryable(retryable).build());
    }
}

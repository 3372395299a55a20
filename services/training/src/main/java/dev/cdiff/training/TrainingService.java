package dev.cdiff.training;

import dev.cdiff.diffusion.backend.BackendGradientException;
import dev.cdiff.diffusion.backend.GradientSelfCheck;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.ServiceConnections;
import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The training worker: consumes TrainingRequested (group {@code training} unless CONSUMER_GROUP says otherwise).
 *
 * <p>Group membership during long runs: the job runs on a worker thread while the consumer thread keeps polling with
 * its partitions paused ({@link KeepAlivePoller}), so max.poll.interval.ms only needs to cover one keep-alive period;
 * training defaults it to 300000 (5 min: a genuinely hung worker is still noticed) instead of the platform's one
 * hour. The offset is committed only after TrainingCompleted/TrainingFailed is published, so a worker killed mid-run
 * leaves the request to be redelivered, and the next worker resumes from the last checkpoint in S3.
 *
 * <p>Two workers never train one job: a run holds the job's lease in S3 ({@link JobLease}); a worker that finds it
 * held waits, keeping the record uncommitted. A partition revoked mid-run stops its job at a checkpoint of the
 * current step before the rebalance completes, so the new owner resumes without losing a step.
 */
public final class TrainingService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingService.class);
    public static final String DEFAULT_NAME = "training";
    static final String MAX_POLL_INTERVAL = "KAFKA_CLIENT_MAX_POLL_INTERVAL_MS";
    static final String ASSIGNMENT_STRATEGY = "KAFKA_CLIENT_PARTITION_ASSIGNMENT_STRATEGY";

    private final ServiceConfig config;
    private final ServiceConnections connections;
    private final ExecutorService worker;
    private final EventLoop<TrainingRequested> loop;
    private final TrainingJob job;
    private final JobLease lease;

    public TrainingService(ServiceConfig rawConfig) {
        ServiceConfig withPollInterval = rawConfig.optional(MAX_POLL_INTERVAL).isPresent() ? rawConfig
                : rawConfig.with(MAX_POLL_INTERVAL, "300000");
        // incremental rebalancing: a member joining takes partitions away only from where they move, so running
        // jobs on the partitions that stay are not stopped at every rebalance
        withPollInterval = withPollInterval.optional(ASSIGNMENT_STRATEGY).isPresent() ? withPollInterval
                : withPollInterval.with(ASSIGNMENT_STRATEGY, CooperativeStickyAssignor.class.getName());
        TrainingSettings settings = TrainingSettings.from(withPollInterval);
        this.connections = ServiceConnections.open(withPollInterval, DEFAULT_NAME);
        this.config = connections.config();
        this.lease = new JobLease(connections.store(), config.serviceName() + "-" + UUID.randomUUID(),
                settings.leaseTtl(), Clock.systemUTC());
        Duration leaseRetry = Duration.ofMillis(Math.max(100, Math.min(5000, settings.leaseTtl().toMillis() / 10)));
        this.job = new TrainingJob(settings.baseModelDir(), connections.store(), config.workDir(),
                Quotas.from(config), lease, leaseRetry);
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "training-worker");
            t.setDaemon(true);
            return t;
        });
        KafkaConsumer<byte[], byte[]> consumer = connections.clients().rawConsumer();
        TrainingHandler handler = new TrainingHandler(job,
                new KeepAlivePoller(consumer, settings.keepAlivePoll(), worker),
                connections.publisher(), config.maxAttempts(), settings.leaseTtl());
        this.loop = connections.eventLoop(TrainingRequested.class, Topics.TRAINING_REQUESTED, consumer)
                .handler(handler::handle)
                .onPartitionsRevoked(handler::partitionsRevoked)
                .build();
    }

    /**
     * Starts consuming, after the gradient self-check: a worker whose engine computes wrong gradients on this machine
     * throws {@link BackendGradientException} here and never joins the group, so its jobs wait in Kafka for a sound
     * worker instead of being trained into wrong deltas.
     */
    public synchronized TrainingService start() {
        LOG.info("{}", GradientSelfCheck.requirePassing().summary());
        loop.start();
        LOG.info("training started on base model {}", job.baseModelDigest().substring(0, 12));
        return this;
    }

    public String baseModelDigest() {
        return job.baseModelDigest();
    }

    /** This worker's name on the job leases it holds. */
    public String leaseHolder() {
        return lease.holder();
    }

    public EventLoop<TrainingRequested> loop() {
        return loop;
    }

    /** Stops polling; a run in progress stops at its next step and resumes from its last checkpoint elsewhere. */
    @Override
    public synchronized void close() {
        loop.close();
        worker.shutdownNow();
        connections.close();
    }
}

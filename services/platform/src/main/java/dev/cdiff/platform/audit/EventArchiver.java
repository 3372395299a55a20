package dev.cdiff.platform.audit;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.faults.FailureKind;
import dev.cdiff.platform.health.DependencyChecks;
import dev.cdiff.platform.health.HealthCheck;
import dev.cdiff.platform.health.HealthServer;
import dev.cdiff.platform.kafka.KafkaAccess;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroGenericDeserializer;
import dev.cdiff.platform.serde.ConfluentWireFormat;
import dev.cdiff.platform.store.ArtifactStore;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Copies every audit-relevant event into its job's hash-chained {@link EventLog} in S3, where it is kept for ever
 * whatever the topics' retention. Runs as its own consumer group (service name {@code archiver} by default), so it
 * sees every event exactly as the services do and never disturbs their offsets. An offset is committed only after
 * its event is in the log; a redelivered record is recognised and not appended twice. While S3 or the registry is
 * unreachable it waits and retries the same records: nothing is skipped.
 *
 * <p>TrainingProgress is not archived: it re-derives nothing, and a long job reports thousands of them.
 */
public final class EventArchiver implements AutoCloseable {
    public static final String DEFAULT_NAME = "archiver";
    private static final Logger LOG = LoggerFactory.getLogger(EventArchiver.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ConfluentAvroGenericDeserializer decoder;
    private final EventLog log;
    private final List<String> topics;
    private final Duration pollTimeout;
    private final Thread thread;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final HealthServer health;
    private volatile boolean stopping;
    private volatile long archived;
    private volatile long lastPollNanos = System.nanoTime();

    public EventArchiver(ServiceConfig rawConfig) {
        ServiceConfig config = rawConfig.optional(ServiceConfig.SERVICE_NAME).isPresent() ? rawConfig
                : rawConfig.with(ServiceConfig.SERVICE_NAME, DEFAULT_NAME);
        KafkaClients clients = new KafkaClients(config);
        this.consumer = clients.consumer(config.consumerGroup(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        this.decoder = new ConfluentAvroGenericDeserializer(new SchemaRegistryClient(config.schemaRegistryUrl()), null);
        ArtifactStore store = ArtifactStore.fromConfig(config).ensureBucket();
        this.log = new EventLog(store);
        this.topics = archivedTopics().stream().map(config::topic).toList();
        this.pollTimeout = config.pollTimeout();
        this.thread = new Thread(this::run, "event-archiver");
        Duration window = config.livenessWindow();
        this.health = config.healthHttpPort() < 0 ? null
                : HealthServer.start(config.serviceName(), config.healthHttpHost(), config.healthHttpPort())
                .liveness("archiver", () -> live(window))
                .readiness("schema-registry", DependencyChecks.registry(config.schemaRegistryUrl()))
                .readiness("object-store", DependencyChecks.objectStore(store));
    }

    /** Live while its thread runs and is polling or waiting out an outage between retries. */
    private HealthCheck.Result live(Duration window) {
        if (!thread.isAlive()) {
            return HealthCheck.Result.down("the archiver thread ended");
        }
        long idle = System.nanoTime() - lastPollNanos;
        return idle <= window.toNanos() ? HealthCheck.Result.ok(archived + " events archived")
                : HealthCheck.Result.down("no poll for " + Duration.ofNanos(idle).toSeconds() + " s");
    }

    /** The health server, or null when HEALTH_HTTP_PORT is -1. */
    public HealthServer health() {
        return health;
    }

    /** Every event topic but training progress and dead letters (the topics its principal may read). */
    public static List<String> archivedTopics() {
        return KafkaAccess.services().get(KafkaAccess.ARCHIVER).reads();
    }

    public EventArchiver start() {
        thread.start();
        return this;
    }

    /** Events appended since start (redeliveries not counted). */
    public long archived() {
        return archived;
    }

    private void run() {
        try {
            consumer.subscribe(topics);
            while (!stopping) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
                    lastPollNanos = System.nanoTime();
                } catch (WakeupException e) {
                    break;
                }
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                        if (!archiveWithRetry(r)) {
                            return;
                        }
                        commit(tp, r.offset() + 1);
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("archiver stopped by an unexpected error", e);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the archiver's consumer failed: {}", e.toString());
            }
            finished.countDown();
        }
    }

    private void commit(TopicPartition tp, long next) {
        try {
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(next)));
        } catch (WakeupException e) {
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(next)));
        } catch (RuntimeException e) {
            // the record comes back and is recognised as already archived
            LOG.warn("archiver: commit of {}@{} failed: {}", tp, next, e.toString());
        }
    }

    /** @return false when closed before the record was archived */
    private boolean archiveWithRetry(ConsumerRecord<byte[], byte[]> r) {
        long backoff = 200;
        while (!stopping) {
            try {
                archive(r);
                return true;
            } catch (RuntimeException e) {
                if (FailureKind.of(e) == FailureKind.POISON) {
                    // undecodable with the registry answering: waiting would stall every later event; the
                    // services dead-letter the same record, and its job's chain simply lacks it
                    LOG.error("archiver: {}-{}@{} cannot be decoded ({}); not archived", r.topic(), r.partition(),
                            r.offset(), e.toString());
                    return true;
                }
                LOG.warn("archiver: cannot archive {}-{}@{} yet ({}); retrying in {} ms", r.topic(), r.partition(),
                        r.offset(), e.toString(), backoff);
                lastPollNanos = System.nanoTime();
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
        return false;
    }

    private void archive(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null || r.value().length < ConfluentWireFormat.HEADER_SIZE) {
            LOG.warn("archiver: {}-{}@{} has no event body; nothing to archive", r.topic(), r.partition(), r.offset());
            return;
        }
        GenericRecord event = decoder.deserialize(r.topic(), r.value());
        String tenant = text(event, "tenantId");
        String job = text(event, "jobId");
        if (tenant == null || job == null) {
            LOG.warn("archiver: {}-{}@{} ({}) names no tenant or job; not archived", r.topic(), r.partition(),
                    r.offset(), event.getSchema().getName());
            return;
        }
        byte[] body = Arrays.copyOfRange(r.value(), ConfluentWireFormat.HEADER_SIZE, r.value().length);
        ArchivedEvent entry = new ArchivedEvent(-1, null, r.topic(), r.partition(), r.offset(),
                event.getSchema().getName(), text(event, "eventId"), tenant, job, event.getSchema().toString(),
                Base64.getEncoder().encodeToString(body));
        if (log.append(entry).isPresent()) {
            archived++;
        }
    }

    private static String text(GenericRecord event, String field) {
        if (event.getSchema().getField(field) == null) {
            return null;
        }
        Object v = event.get(field);
        return v == null ? null : v.toString();
    }

    @Override
    public void close() {
        if (health != null) {
            health.close();
        }
        stopping = true;
        consumer.wakeup();
        if (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package dev.cdiff.training;

import dev.cdiff.platform.kafka.EventPublisher;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.idempotency.S3IdempotencyStore;
import dev.cdiff.platform.kafka.DeadLetterEnvelope;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.kafka.KafkaDeadLetterPublisher;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
public final class TrainingService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingService.class);
    public static final String DEFAULT_NAME = "training";
    static final String MAX_POLL_INTERVAL = "KAFKA_CLIENT_MAX_POLL_INTERVAL_MS";

    private final ServiceConfig config;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final ExecutorService worker;
    private final EventLoop<TrainingRequested> loop;
    private final TrainingJob job;

    public TrainingService(ServiceConfig rawConfig) {
        ServiceConfig c = rawConfig.optional(ServiceConfig.SERVICE_NAME).isPresent() ? rawConfig
                : rawConfig.with(ServiceConfig.SERVICE_NAME, DEFAULT_NAME);
        this.config = c.optional(MAX_POLL_INTERVAL).isPresent() ? c : c.with(MAX_POLL_INTERVAL, "300000");
        TrainingSettings settings = TrainingSettings.from(config);
        ArtifactStore store = ArtifactStore.fromConfig(config).ensureBucket();
        this.job = new TrainingJob(settings.baseModelDir(), store, config.workDir());
        SchemaRegistryClient registry = new SchemaRegistryClient(config.schemaRegistryUrl());
        KafkaClients clients = new KafkaClients(config);
        this.producer = clients.producer(new StringSerializer(), new ConfluentAvroSerializer<>(registry, true));
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "training-worker");
            t.setDaemon(true);
            return t;
        });
        KafkaConsumer<byte[], byte[]> consumer = clients.rawConsumer();
        TrainingHandler handler = new TrainingHandler(job,
                new KeepAlivePoller(consumer, settings.keepAlivePoll(), worker),
                new EventPublisher(producer, config), config.maxAttempts());
        this.loop = EventLoop.<TrainingRequested>builder(config.serviceName(),
                        new ConfluentAvroDeserializer<>(TrainingRequested.class, registry))
                .config(config)
                .consumer(consumer)
                .topics(config.topic(Topics.TRAINING_REQUESTED))
                .handler(handler::handle)
                .eventId(TrainingRequested::getEventId)
                .tenantAndJob(TrainingRequested::getTenantId, TrainingRequested::getJobId)
                .idempotency(new S3IdempotencyStore(store))
                .deadLetters(new KafkaDeadLetterPublisher<>(producer, config.deadLetterTopic(),
                        DeadLetterEnvelope::toAvro))
                .build();
    }

    public synchronized TrainingService start() {
        loop.start();
        LOG.info("training started on base model {}", job.baseModelDigest().substring(0, 12));
        return this;
    }

    public String baseModelDigest() {
        return job.baseModelDigest();
    }

    public EventLoop<TrainingRequested> loop() {
        return loop;
    }

    /** Stops polling; a run in progress stops at its next step and resumes from its last checkpoint elsewhere. */
    @Override
    public synchronized void close() {
        loop.close();
        worker.shutdownNow();
        producer.close();
    }
}

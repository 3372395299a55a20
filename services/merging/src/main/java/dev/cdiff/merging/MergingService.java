package dev.cdiff.merging;

import dev.cdiff.platform.kafka.EventPublisher;

import dev.cdiff.diffusion.customize.BaseModelDigest;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ConfigException;
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
import dev.cdiff.schemas.events.MergeRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The merging service: consumes MergeRequested (group {@code merging} unless CONSUMER_GROUP says otherwise).
 * Settings: {@code BASE_MODEL_DIR} (required) plus the platform's. A merge runs on the poll thread (seconds to
 * minutes); the platform's max.poll.interval.ms (1 hour) covers it.
 */
public final class MergingService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MergingService.class);
    public static final String DEFAULT_NAME = "merging";
    public static final String BASE_MODEL_DIR = "BASE_MODEL_DIR";

    private final KafkaProducer<String, SpecificRecord> producer;
    private final String baseModelDigest;
    private final EventLoop<MergeRequested> loop;

    public MergingService(ServiceConfig rawConfig) {
        ServiceConfig config = rawConfig.optional(ServiceConfig.SERVICE_NAME).isPresent() ? rawConfig
                : rawConfig.with(ServiceConfig.SERVICE_NAME, DEFAULT_NAME);
        Path model = Path.of(config.required(BASE_MODEL_DIR));
        if (!Files.isDirectory(model)) {
            throw new ConfigException(BASE_MODEL_DIR + " = " + model + " is not a folder");
        }
        ArtifactStore store = ArtifactStore.fromConfig(config).ensureBucket();
        this.baseModelDigest = BaseModelDigest.of(model);
        SchemaRegistryClient registry = new SchemaRegistryClient(config.schemaRegistryUrl());
        KafkaClients clients = new KafkaClients(config);
        this.producer = clients.producer(new StringSerializer(), new ConfluentAvroSerializer<>(registry, true));
        MergeHandler handler = new MergeHandler(model, baseModelDigest, store, new EventPublisher(producer, config),
                config.workDir().resolve("merging"));
        this.loop = EventLoop.<MergeRequested>builder(config.serviceName(),
                        new ConfluentAvroDeserializer<>(MergeRequested.class, registry))
                .config(config)
                .consumer(clients.rawConsumer())
                .topics(config.topic(Topics.MERGE_REQUESTED))
                .handler(handler::handle)
                .eventId(MergeRequested::getEventId)
                .tenantAndJob(MergeRequested::getTenantId, MergeRequested::getJobId)
                .idempotency(new S3IdempotencyStore(store))
                .deadLetters(new KafkaDeadLetterPublisher<>(producer, config.deadLetterTopic(),
                        DeadLetterEnvelope::toAvro))
                .build();
    }

    public synchronized MergingService start() {
        loop.start();
        LOG.info("merging started on base model {}", baseModelDigest.substring(0, 12));
        return this;
    }

    public String baseModelDigest() {
        return baseModelDigest;
    }

    public EventLoop<MergeRequested> loop() {
        return loop;
    }

    @Override
    public synchronized void close() {
        loop.close();
        producer.close();
    }
}

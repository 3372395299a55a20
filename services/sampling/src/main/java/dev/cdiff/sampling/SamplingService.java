package dev.cdiff.sampling;

import dev.cdiff.platform.kafka.EventPublisher;

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
import dev.cdiff.schemas.events.SampleRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sampling service: consumes SampleRequested (group {@code sampling} unless CONSUMER_GROUP says otherwise).
 * Settings: {@code BASE_MODEL_DIR} (required) plus the platform's. Sampling runs on the poll thread; the platform's
 * max.poll.interval.ms (1 hour) covers a request of up to 64 images.
 */
public final class SamplingService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SamplingService.class);
    public static final String DEFAULT_NAME = "sampling";
    public static final String BASE_MODEL_DIR = "BASE_MODEL_DIR";

    private final KafkaProducer<String, SpecificRecord> producer;
    private final Pipelines pipelines;
    private final EventLoop<SampleRequested> loop;

    public SamplingService(ServiceConfig rawConfig) {
        ServiceConfig config = rawConfig.optional(ServiceConfig.SERVICE_NAME).isPresent() ? rawConfig
                : rawConfig.with(ServiceConfig.SERVICE_NAME, DEFAULT_NAME);
        Path model = Path.of(config.required(BASE_MODEL_DIR));
        if (!Files.isDirectory(model)) {
            throw new ConfigException(BASE_MODEL_DIR + " = " + model + " is not a folder");
        }
        ArtifactStore store = ArtifactStore.fromConfig(config).ensureBucket();
        this.pipelines = new Pipelines(model);
        SchemaRegistryClient registry = new SchemaRegistryClient(config.schemaRegistryUrl());
        KafkaClients clients = new KafkaClients(config);
        this.producer = clients.producer(new StringSerializer(), new ConfluentAvroSerializer<>(registry, true));
        SampleHandler handler = new SampleHandler(pipelines, store, new EventPublisher(producer, config),
                config.workDir().resolve("sampling"));
        this.loop = EventLoop.<SampleRequested>builder(config.serviceName(),
                        new ConfluentAvroDeserializer<>(SampleRequested.class, registry))
                .config(config)
                .consumer(clients.rawConsumer())
                .topics(config.topic(Topics.SAMPLE_REQUESTED))
                .handler(handler::handle)
                .eventId(SampleRequested::getEventId)
                .tenantAndJob(SampleRequested::getTenantId, SampleRequested::getJobId)
                .idempotency(new S3IdempotencyStore(store))
                .deadLetters(new KafkaDeadLetterPublisher<>(producer, config.deadLetterTopic(),
                        DeadLetterEnvelope::toAvro))
                .build();
    }

    public synchronized SamplingService start() {
        loop.start();
        LOG.info("sampling started on base model {}", pipelines.baseModelDigest().substring(0, 12));
        return this;
    }

    public String baseModelDigest() {
        return pipelines.baseModelDigest();
    }

    public EventLoop<SampleRequested> loop() {
        return loop;
    }

    @Override
    public synchronized void close() {
        loop.close();
        producer.close();
        pipelines.close();
    }
}

package dev.cdiff.retrieval;

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
import dev.cdiff.schemas.events.RegularizationRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The retrieval service: consumes RegularizationRequested (group {@code retrieval} unless CONSUMER_GROUP says
 * otherwise) and answers RegularizationReady. Runs alone ({@link RetrievalMain}) or in a shared JVM.
 */
public final class RetrievalService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetrievalService.class);
    public static final String DEFAULT_NAME = "retrieval";

    private final ServiceConfig config;
    private final RetrievalEngine engine;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final EventLoop<RegularizationRequested> loop;

    public RetrievalService(ServiceConfig rawConfig) {
        this.config = rawConfig.optional(ServiceConfig.SERVICE_NAME).isPresent() ? rawConfig
                : rawConfig.with(ServiceConfig.SERVICE_NAME, DEFAULT_NAME);
        ArtifactStore store = ArtifactStore.fromConfig(config).ensureBucket();
        this.engine = new RetrievalEngine(RetrievalSettings.from(config), store);
        SchemaRegistryClient registry = new SchemaRegistryClient(config.schemaRegistryUrl());
        KafkaClients clients = new KafkaClients(config);
        this.producer = clients.producer(new StringSerializer(), new ConfluentAvroSerializer<>(registry, true));
        RegularizationHandler handler = new RegularizationHandler(engine, new EventPublisher(producer, config));
        this.loop = EventLoop.<RegularizationRequested>builder(config.serviceName(),
                        new ConfluentAvroDeserializer<>(RegularizationRequested.class, registry))
                .config(config)
                .consumer(clients.rawConsumer())
                .topics(config.topic(Topics.REGULARIZATION_REQUESTED))
                .handler(handler::handle)
                .eventId(RegularizationRequested::getEventId)
                .tenantAndJob(RegularizationRequested::getTenantId, RegularizationRequested::getJobId)
                .idempotency(new S3IdempotencyStore(store))
                .deadLetters(new KafkaDeadLetterPublisher<>(producer, config.deadLetterTopic(),
                        DeadLetterEnvelope::toAvro))
                .build();
    }

    public synchronized RetrievalService start() {
        int indexed = engine.syncIfStale();
        LOG.info("retrieval started (base model {}, {} captions indexed, {} new from the store)",
                engine.baseModelDigest().substring(0, 12), engine.index().size(), indexed);
        loop.start();
        return this;
    }

    /** Ingests a corpus folder into this service's store and index (the in-process form of {@link CorpusIngest}). */
    public int ingestCorpus(Path folder) {
        return engine.ingestFolder(folder);
    }

    public RetrievalEngine engine() {
        return engine;
    }

    public EventLoop<RegularizationRequested> loop() {
        return loop;
    }

    @Override
    public synchronized void close() {
        loop.close();
        producer.close();
        engine.close();
    }
}

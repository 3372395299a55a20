package dev.cdiff.platform.kafka;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.health.DependencyChecks;
import dev.cdiff.platform.health.HealthCheck;
import dev.cdiff.platform.health.HealthServer;
import dev.cdiff.platform.idempotency.EventPayloads;
import dev.cdiff.platform.idempotency.S3IdempotencyStore;
import dev.cdiff.platform.ids.EventIds;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.platform.store.ArtifactStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What every event-driven service connects to — artifact store, schema registry, one Avro producer — and the
 * standard way it consumes: an {@link EventLoop} over one event topic whose every id and artifact key is checked
 * by the platform's grammar ({@link EventIds}) as it is decoded, with S3-backed idempotency per tenant and event id
 * bound to the payload, and Avro dead letters. Services only add their handler.
 *
 * <p>It also serves the service's {@code /health/live} (every event loop built here is running and polling) and
 * {@code /health/ready} (live, and broker, registry and S3 answer) on HEALTH_HTTP_HOST:HEALTH_HTTP_PORT.
 */
public final class ServiceConnections implements AutoCloseable {
    private final ServiceConfig config;
    private final ArtifactStore store;
    private final SchemaRegistryClient registry;
    private final KafkaClients clients;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final EventPublisher publisher;
    private final List<EventLoop<?>> loops = new CopyOnWriteArrayList<>();
    private final Admin admin;
    private final HealthServer health;

    private ServiceConnections(ServiceConfig config) {
        this.config = config;
        this.store = ArtifactStore.fromConfig(config).ensureBucket();
        this.registry = SchemaRegistryClient.fromConfig(config, java.time.Duration.ofSeconds(30));
        this.clients = new KafkaClients(config);
        this.producer = clients.producer(new StringSerializer(), new ConfluentAvroSerializer<>(registry, true));
        this.publisher = new EventPublisher(producer, config);
        int port = config.healthHttpPort();
        if (port >= 0) {
            admin = clients.admin();
            Duration window = config.livenessWindow();
            health = HealthServer.start(config.serviceName(), config.healthHttpHost(), port)
                    .liveness("event-loops", () -> loopsLive(window))
                    .readiness("broker", DependencyChecks.broker(admin))
                    .readiness("schema-registry", DependencyChecks.registry(config.schemaRegistryUrl()))
                    .readiness("object-store", DependencyChecks.objectStore(store));
        } else {
            admin = null;
            health = null;
        }
    }

    private HealthCheck.Result loopsLive(Duration window) {
        if (loops.isEmpty()) {
            return HealthCheck.Result.down("no event loop");
        }
        StringBuilder detail = new StringBuilder();
        boolean ok = true;
        for (EventLoop<?> loop : loops) {
            boolean live = loop.isLive(window);
            ok &= live;
            detail.append(detail.length() == 0 ? "" : "; ").append(loop.service()).append(live ? " running" : " NOT running")
                    .append(loop.waitingFor() == null ? "" : ", waiting for " + loop.waitingFor().label())
                    .append(" (").append(loop.stats()).append(")");
        }
        return new HealthCheck.Result(ok, detail.toString());
    }

    /** The health server, or null when HEALTH_HTTP_PORT is -1. */
    public HealthServer health() {
        return health;
    }

    /** Connects with {@code config}, naming the service {@code defaultName} unless SERVICE_NAME says otherwise. */
    public static ServiceConnections open(ServiceConfig config, String defaultName) {
        ServiceConfig named = config.optional(ServiceConfig.SERVICE_NAME).isPresent() ? config
                : config.with(ServiceConfig.SERVICE_NAME, defaultName);
        return new ServiceConnections(named);
    }

    public ServiceConfig config() {
        return config;
    }

    public ArtifactStore store() {
        return store;
    }

    public KafkaClients clients() {
        return clients;
    }

    public EventPublisher publisher() {
        return publisher;
    }

    /**
     * An event loop over the topic of {@code eventType}, pre-wired with this service's consumer group, idempotency
     * store and dead-letter publisher; event id, tenant and job are read from the envelope fields every event
     * schema has ({@code eventId}, {@code tenantId}, {@code jobId}). An event with an id or key outside the
     * grammar fails to decode, so it is dead-lettered before any handler, marker or store sees it. The caller adds
     * the handler before {@code build()}.
     */
    public <V extends SpecificRecord> EventLoop.Builder<V> eventLoop(Class<V> eventType, String logicalTopic) {
        return eventLoop(eventType, logicalTopic, clients.rawConsumer());
    }

    /** As {@link #eventLoop(Class, String)}, on a consumer the service also uses itself (e.g. to keep polling). */
    public <V extends SpecificRecord> EventLoop.Builder<V> eventLoop(Class<V> eventType, String logicalTopic,
                                                                     Consumer<byte[], byte[]> consumer) {
        return EventLoop.<V>builder(config.serviceName(), new GrammarCheckedDeserializer<>(
                        new ConfluentAvroDeserializer<>(eventType, registry)))
                .config(config)
                .consumer(consumer)
                .topics(config.topic(logicalTopic))
                .eventId(v -> envelopeField(v, "eventId"))
                .tenantAndJob(v -> envelopeField(v, "tenantId"), v -> envelopeField(v, "jobId"))
                .idempotency(new S3IdempotencyStore(store))
                .payloadDigest(EventPayloads::sha256)
                .deadLetters(new KafkaDeadLetterPublisher<>(producer, config.deadLetterTopic(),
                        DeadLetterEnvelope::toAvro))
                .whenBuilt(loops::add);
    }

    private static String envelopeField(SpecificRecord event, String field) {
        org.apache.avro.Schema.Field f = event.getSchema().getField(field);
        if (f == null) {
            throw new IllegalArgumentException(event.getSchema().getFullName() + " has no envelope field " + field);
        }
        Object value = event.get(f.pos());
        return value == null ? null : value.toString();
    }

    @Override
    public void close() {
        if (health != null) {
            health.close();
            admin.close(Duration.ofSeconds(5));
        }
        producer.close();
    }

    /** Decodes, then refuses the event when any id or artifact key in it breaks the grammar. */
    private static final class GrammarCheckedDeserializer<V extends SpecificRecord> implements Deserializer<V> {
        private final Deserializer<V> decoder;

        GrammarCheckedDeserializer(Deserializer<V> decoder) {
            this.decoder = decoder;
        }

        @Override
        public V deserialize(String topic, byte[] data) {
            return checked(decoder.deserialize(topic, data));
        }

        @Override
        public V deserialize(String topic, Headers headers, byte[] data) {
            return checked(decoder.deserialize(topic, headers, data));
        }

        private static <V extends SpecificRecord> V checked(V event) {
            return event == null ? null : EventIds.check(event);
        }
    }
}

package dev.cdiff.embedded.testing;

import dev.cdiff.embedded.BrokerSecurity;
import dev.cdiff.embedded.EmbeddedKafka;
import dev.cdiff.embedded.EmbeddedS3;
import dev.cdiff.embedded.StackCredentials;
import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.kafka.KafkaAccess;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Real broker, S3 endpoint and schema registry on loopback for one test class, with producer/consumer helpers
 * speaking the Confluent wire format. Shared by the services' tests (test scope).
 *
 * <p>Closed as the embedded stack is: SASL/SCRAM and ACLs on the broker, writer credentials on the registry, all
 * generated for the workspace. {@link #settings(String)} authenticates a service as its own principal, so a test
 * also proves the service needs no more than its grants; the helpers act as the super user, standing in for the
 * other services.
 */
public final class LoopbackStack implements AutoCloseable {
    public final EmbeddedKafka kafka;
    public final EmbeddedS3 s3;
    public final LocalSchemaRegistry registry;
    public final SchemaRegistryClient registryClient;
    public final StackCredentials credentials;

    public LoopbackStack(Path workspace) {
        credentials = StackCredentials.loadOrCreate(workspace);
        kafka = new EmbeddedKafka(workspace.resolve("kafka")).withSasl(credentials.kafkaPassword(KafkaAccess.ADMIN))
                .start();
        BrokerSecurity.apply(kafka, credentials, "");
        // a closed broker creates no topic on first use: make them all, as the embedded stack does
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                kafka.superUserClientSettings())) {
            dev.cdiff.platform.kafka.TopicDefinitions.ensureTopics(admin,
                    dev.cdiff.platform.kafka.TopicDefinitions.loadDefault(), "", (short) 1);
        }
        s3 = new EmbeddedS3(workspace.resolve("s3")).start();
        registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), principal(KafkaAccess.REGISTRY), 0,
                Topics.SCHEMAS, new LocalSchemaRegistry.BasicCredentials(StackCredentials.REGISTRY_WRITER,
                        credentials.registryPassword()));
        registryClient = new SchemaRegistryClient(registry.url(), Duration.ofSeconds(30),
                StackCredentials.REGISTRY_WRITER, credentials.registryPassword());
    }

    /** Kafka client settings (bootstrap and SASL) of a platform principal. */
    public Map<String, Object> principal(String name) {
        return principal(name, credentials.kafkaPassword(name));
    }

    /** Kafka client settings (bootstrap and SASL) of any user, e.g. a trigger principal or a wrong password. */
    public Map<String, Object> principal(String name, String password) {
        Map<String, Object> c = new HashMap<>(KafkaClients.security(ServiceConfig.of(Map.of(
                ServiceConfig.KAFKA_USERNAME, name, ServiceConfig.KAFKA_PASSWORD, password))));
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return c;
    }

    /** Binds an external trigger system to tenants (see {@link BrokerSecurity#bindTrigger}); its client settings. */
    public Map<String, Object> bindTrigger(String system, List<String> tenants) {
        String password = StackCredentials.randomSecret();
        BrokerSecurity.bindTrigger(kafka, system, password, tenants, "");
        return principal(KafkaAccess.triggerPrincipal(system), password);
    }

    /** A service's settings, authenticated as the platform principal of the same name. */
    public Map<String, String> settings(String service) {
        Map<String, String> m = new HashMap<>();
        m.put(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        m.put(ServiceConfig.KAFKA_USERNAME, service);
        m.put(ServiceConfig.KAFKA_PASSWORD, credentials.kafkaPassword(service));
        m.put(ServiceConfig.SCHEMA_REGISTRY_URL, registry.url());
        m.put(ServiceConfig.SCHEMA_REGISTRY_USERNAME, StackCredentials.REGISTRY_WRITER);
        m.put(ServiceConfig.SCHEMA_REGISTRY_PASSWORD, credentials.registryPassword());
        m.put(ServiceConfig.S3_ENDPOINT, s3.endpoint());
        m.put(ServiceConfig.S3_ACCESS_KEY, s3.accessKey());
        m.put(ServiceConfig.S3_SECRET_KEY, s3.secretKey());
        m.put(ServiceConfig.SERVICE_NAME, service);
        m.put(ServiceConfig.RETRY_BACKOFF_MS, "50");
        m.put(ServiceConfig.POLL_TIMEOUT_MS, "100");
        return m;
    }

    /** A producer as the super user (standing in for whichever service would publish). */
    public KafkaProducer<String, SpecificRecord> producer() {
        Map<String, Object> c = principal(KafkaAccess.ADMIN);
        return new KafkaProducer<>(c, new StringSerializer(), new ConfluentAvroSerializer<>(registryClient, true));
    }

    /** A consumer in a fresh group reading the topic from the beginning. */
    public KafkaConsumer<String, SpecificRecord> consumer(String topic) {
        Map<String, Object> c = principal(KafkaAccess.ADMIN);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<String, SpecificRecord> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new ConfluentAvroDeserializer<>(null, registryClient));
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** Polls until {@code count} records match, or fails after the timeout. */
    public static <T> List<T> await(KafkaConsumer<String, SpecificRecord> consumer, Class<T> type, Predicate<T> match,
                             int count, Duration timeout) {
        List<T> found = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (found.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, SpecificRecord> r : consumer.poll(Duration.ofMillis(200))) {
                if (type.isInstance(r.value()) && match.test(type.cast(r.value()))) {
                    found.add(type.cast(r.value()));
                }
            }
        }
        if (found.size() < count) {
            throw new AssertionError("expected " + count + " " + type.getSimpleName() + " within " + timeout
                    + ", got " + found.size());
        }
        return found;
    }

    @Override
    public void close() {
        registry.close();
        s3.close();
        kafka.close();
    }
}

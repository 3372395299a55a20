package dev.cdiff.embedded.testing;

import dev.cdiff.embedded.EmbeddedKafka;
import dev.cdiff.embedded.EmbeddedS3;
import dev.cdiff.embedded.registry.LocalSchemaRegistry;
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
 */
public final class LoopbackStack implements AutoCloseable {
    public final EmbeddedKafka kafka;
    public final EmbeddedS3 s3;
    public final LocalSchemaRegistry registry;
    public final SchemaRegistryClient registryClient;

    public LoopbackStack(Path workspace) {
        kafka = new EmbeddedKafka(workspace.resolve("kafka")).start();
        s3 = new EmbeddedS3(workspace.resolve("s3")).start();
        registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), 0);
        registryClient = new SchemaRegistryClient(registry.url());
    }

    public Map<String, String> settings(String service) {
        Map<String, String> m = new HashMap<>();
        m.put(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        m.put(ServiceConfig.SCHEMA_REGISTRY_URL, registry.url());
        m.put(ServiceConfig.S3_ENDPOINT, s3.endpoint());
        m.put(ServiceConfig.S3_ACCESS_KEY, s3.accessKey());
        m.put(ServiceConfig.S3_SECRET_KEY, s3.secretKey());
        m.put(ServiceConfig.SERVICE_NAME, service);
        m.put(ServiceConfig.RETRY_BACKOFF_MS, "50");
        m.put(ServiceConfig.POLL_TIMEOUT_MS, "100");
        return m;
    }

    public KafkaProducer<String, SpecificRecord> producer() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(c, new StringSerializer(), new ConfluentAvroSerializer<>(registryClient, true));
    }

    /** A consumer in a fresh group reading the topic from the beginning. */
    public KafkaConsumer<String, SpecificRecord> consumer(String topic) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
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

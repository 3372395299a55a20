package dev.cdiff.platform.kafka;

import dev.cdiff.platform.config.ServiceConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import java.util.HashMap;
import java.util.Map;

/**
 * Kafka producers, consumers and admin clients configured from a {@link ServiceConfig}. Serializers are
 * passed in, so the Avro serdes (registry-backed) and plain byte serdes plug in the same way.
 */
public final class KafkaClients {

    private static final java.util.concurrent.atomic.AtomicInteger CLIENT_SEQUENCE = new java.util.concurrent.atomic.AtomicInteger();

    private final ServiceConfig config;

    public KafkaClients(ServiceConfig config) {
        this.config = config;
    }

    public ServiceConfig config() {
        return config;
    }

    /**
     * How this process authenticates to the broker: SASL (SCRAM-SHA-256 unless KAFKA_SASL_MECHANISM says otherwise)
     * as KAFKA_USERNAME when one is set, nothing otherwise. Every client this class makes, and the orchestrator's
     * Streams, carry these settings; TLS settings come in as {@code KAFKA_CLIENT_SSL_*} overrides.
     */
    public static Map<String, Object> security(ServiceConfig config) {
        Map<String, Object> c = new HashMap<>();
        java.util.Optional<String> user = config.optional(ServiceConfig.KAFKA_USERNAME);
        if (user.isEmpty()) {
            config.optional(ServiceConfig.KAFKA_SECURITY_PROTOCOL).ifPresent(p -> c.put("security.protocol", p));
            return c;
        }
        String mechanism = config.optional(ServiceConfig.KAFKA_SASL_MECHANISM).orElse("SCRAM-SHA-256");
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        c.put("security.protocol", config.optional(ServiceConfig.KAFKA_SECURITY_PROTOCOL).orElse("SASL_PLAINTEXT"));
        c.put("sasl.mechanism", mechanism);
        c.put("sasl.jaas.config", module + " required username=\"" + jaasQuoted(user.get()) + "\" password=\""
                + jaasQuoted(config.required(ServiceConfig.KAFKA_PASSWORD)) + "\";");
        return c;
    }

    private static String jaasQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private Map<String, Object> common(String kind) {
        Map<String, Object> c = new HashMap<>(security(config));
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
        // unique per client: two clients with one id clash in JMX and blur broker-side quotas and logs
        config.optional(ServiceConfig.SERVICE_NAME).ifPresent(name ->
                c.put(ProducerConfig.CLIENT_ID_CONFIG, name + "-" + kind + "-" + CLIENT_SEQUENCE.incrementAndGet()));
        return c;
    }

    /** Idempotent producer, acks=all: a retried send never duplicates or reorders within a partition. */
    public Map<String, Object> producerConfig() {
        Map<String, Object> c = common("producer");
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.putAll(config.kafkaClientOverrides());
        c.keySet().removeIf(k -> ConsumerConfig.configNames().contains(k) && !ProducerConfig.configNames().contains(k));
        return c;
    }

    /**
     * Consumer settings for the service's group: manual commits (the event loop commits after each record's
     * outcome is stored), earliest reset, and read_committed so aborted transactions stay invisible.
     */
    public Map<String, Object> consumerConfig(String groupId) {
        Map<String, Object> c = common("consumer");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // handlers may train a model for minutes between polls; few records per poll keeps rebalances cheap
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 3_600_000);
        // an idle coordinator connection must outlive the longest handler, or a rejoin after it is disrupted
        c.put(ConsumerConfig.CONNECTIONS_MAX_IDLE_MS_CONFIG, 3_660_000L);
        c.putAll(config.kafkaClientOverrides());
        c.keySet().removeIf(k -> ProducerConfig.configNames().contains(k) && !ConsumerConfig.configNames().contains(k));
        return c;
    }

    public <K, V> KafkaProducer<K, V> producer(Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        return new KafkaProducer<>(producerConfig(), keySerializer, valueSerializer);
    }

    /** A transactional producer; call {@code initTransactions()} before use. */
    public <K, V> KafkaProducer<K, V> transactionalProducer(String transactionalId, Serializer<K> keySerializer,
                                                             Serializer<V> valueSerializer) {
        Map<String, Object> c = producerConfig();
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return new KafkaProducer<>(c, keySerializer, valueSerializer);
    }

    public <K, V> KafkaConsumer<K, V> consumer(String groupId, Deserializer<K> keyDeserializer,
                                                Deserializer<V> valueDeserializer) {
        return new KafkaConsumer<>(consumerConfig(groupId), keyDeserializer, valueDeserializer);
    }

    /**
     * The byte-level consumer of the service's own group, as {@link EventLoop} wants it: values are decoded
     * inside the loop, so a record that fails to decode is dead-lettered instead of failing every poll.
     */
    public KafkaConsumer<byte[], byte[]> rawConsumer() {
        return consumer(config.consumerGroup(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Kafka Streams settings (StreamsConfig keys, so this module needs no Streams dependency): exactly-once v2,
     * internal topics with the given replication, and the client overrides. Serdes are the caller's.
     */
    public java.util.Properties streamsProperties(String applicationId, int replicationFactor) {
        java.util.Properties p = new java.util.Properties();
        p.put("application.id", applicationId);
        p.putAll(security(config));
        p.put("bootstrap.servers", config.kafkaBootstrapServers());
        p.put("processing.guarantee", "exactly_once_v2");
        p.put("replication.factor", Integer.toString(replicationFactor));
        p.put("state.dir", config.optional(ServiceConfig.WORK_DIR)
                .map(dir -> java.nio.file.Path.of(dir, "streams").toString())
                .orElseGet(() -> java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "cdiff-streams-" + applicationId).toString()));
        p.putAll(config.kafkaClientOverrides());
        return p;
    }

    public Admin admin() {
        Map<String, Object> c = new HashMap<>(security(config));
        c.putAll(config.kafkaClientOverrides());
        c.keySet().removeIf(k -> !AdminClientConfig.configNames().contains(k));
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
        return Admin.create(c);
    }
}

package dev.cdiff.embedded.security;

import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.kafka.KafkaAccess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Raw clients for the attacks (no registry involved: the broker must refuse before any payload matters). */
final class Bus {
    private Bus() {
    }

    /** Fails fast: an attack is refused within seconds, not the client's default two minutes. */
    static Map<String, Object> impatient(Map<String, Object> settings) {
        Map<String, Object> c = new HashMap<>(settings);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 8000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return c;
    }

    static KafkaProducer<byte[], byte[]> producer(Map<String, Object> settings) {
        Map<String, Object> c = impatient(settings);
        c.keySet().removeIf(k -> !ProducerConfig.configNames().contains(k));
        return new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> settings, String group) {
        Map<String, Object> c = new HashMap<>(settings);
        if (group != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8000);
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Sends one record and waits for the broker's answer; the cause of a refusal is rethrown as is. */
    static void send(KafkaProducer<byte[], byte[]> producer, String topic, String value) throws Throwable {
        try {
            producer.send(new ProducerRecord<>(topic, "attack".getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8))).get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    /** Total records ever written to a topic, as the super user sees it. */
    static long records(LoopbackStack stack, String topic) throws Exception {
        try (Admin admin = Admin.create(stack.principal(KafkaAccess.ADMIN))) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        }
    }

    /** Settings with no credentials at all: a plain client, as anyone on the network could run. */
    static Map<String, Object> anonymous(LoopbackStack stack) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers());
        return c;
    }

    static final Duration SHORT = Duration.ofSeconds(3);
}

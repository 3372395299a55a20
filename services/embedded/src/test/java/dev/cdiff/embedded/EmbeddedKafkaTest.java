package dev.cdiff.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EmbeddedKafkaTest {

    @TempDir
    Path workspace;

    @Test
    void producedRecordsSurviveRestartAndTransactionsCommit() throws Exception {
        EmbeddedKafka kafka = new EmbeddedKafka(workspace);
        long t0 = System.nanoTime();
        kafka.start();
        System.out.printf("EmbeddedKafka first start (format+start): %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        String clusterId = kafka.clusterId();
        try {
            createTopic(kafka.bootstrapServers(), "plain");
            try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers(), Map.of())) {
                producer.send(new ProducerRecord<>("plain", "k1", "v1")).get();
                producer.send(new ProducerRecord<>("plain", "k2", "v2")).get();
            }
            assertEquals(List.of("k1=v1", "k2=v2"), readAll(kafka.bootstrapServers(), "plain", 2));
        } finally {
            kafka.stop();
        }

        // a new instance on the same workspace, as after a process restart, this time on a fixed port
        int fixedPort = LoopbackPorts.one();
        kafka = new EmbeddedKafka(workspace, fixedPort);
        long t1 = System.nanoTime();
        kafka.start();
        assertEquals("127.0.0.1:" + fixedPort, kafka.bootstrapServers());
        System.out.printf("EmbeddedKafka restart: %d ms%n", (System.nanoTime() - t1) / 1_000_000);
        try {
            assertEquals(clusterId, kafka.clusterId());
            assertEquals(List.of("k1=v1", "k2=v2"), readAll(kafka.bootstrapServers(), "plain", 2),
                    "records written before the restart must still be there");

            createTopic(kafka.bootstrapServers(), "tx");
            try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers(),
                    Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test"))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx", "a", "aborted"));
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx", "c", "committed"));
                producer.commitTransaction();
            }
            assertEquals(List.of("c=committed"), readAll(kafka.bootstrapServers(), "tx", 1),
                    "read_committed sees only the committed transaction");
        } finally {
            kafka.stop();
        }
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Set.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> config = new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"));
        config.putAll(extra);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(String bootstrap, String topic, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.key() + "=" + r.value());
                }
                if (seen.size() >= expected) {
                    // one more poll catches anything unexpected beyond the expected count
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.add(r.key() + "=" + r.value()));
                    break;
                }
            }
        }
        return seen;
    }
}

package dev.cdiff.platform.kafka;

import dev.cdiff.platform.config.ServiceConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class KafkaClientsTest {

    private final KafkaClients clients = new KafkaClients(ServiceConfig.of(Map.of(
            ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:1",
            ServiceConfig.SERVICE_NAME, "sampling",
            "KAFKA_CLIENT_MAX_POLL_INTERVAL_MS", "600000",
            "KAFKA_CLIENT_COMPRESSION_TYPE", "zstd")));

    @Test
    void producersAreIdempotentWithAllAcks() {
        Map<String, Object> p = clients.producerConfig();
        assertEquals("all", p.get("acks"));
        assertEquals(true, p.get("enable.idempotence"));
        assertEquals("zstd", p.get("compression.type"));
        assertFalse(p.containsKey("max.poll.interval.ms"), "consumer-only overrides stay out of producers");
        assertNotEquals(p.get("client.id"), clients.producerConfig().get("client.id"), "client ids are unique");
    }

    @Test
    void consumersCommitByHandAndSeeOnlyCommittedTransactions() {
        Map<String, Object> c = clients.consumerConfig("samplers");
        assertEquals("samplers", c.get("group.id"));
        assertEquals(false, c.get("enable.auto.commit"));
        assertEquals("read_committed", c.get("isolation.level"));
        assertEquals("earliest", c.get("auto.offset.reset"));
        assertEquals("600000", c.get("max.poll.interval.ms"), "overrides win over defaults");
        assertFalse(c.containsKey("compression.type"), "producer-only overrides stay out of consumers");
    }
}

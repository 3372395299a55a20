package dev.cdiff.platform.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceConfigTest {

    @Test
    void readsBothSpellingsAndAppliesDefaults() {
        ServiceConfig c = ServiceConfig.of(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
                "service.name", "training",
                "TOPIC_PREFIX", "t1.",
                "KAFKA_CLIENT_MAX_POLL_INTERVAL_MS", "600000"));
        assertEquals("127.0.0.1:9092", c.kafkaBootstrapServers());
        assertEquals("training", c.serviceName());
        assertEquals("training", c.consumerGroup(), "group defaults to the service name");
        assertEquals("t1.concept-submitted", c.topic("concept-submitted"));
        assertEquals("t1.dead-letter", c.deadLetterTopic());
        assertEquals("cdiff", c.s3Bucket());
        assertEquals(3, c.maxAttempts());
        assertEquals(Duration.ofMillis(500), c.retryBackoff());
        assertEquals(Map.of("max.poll.interval.ms", "600000"), c.kafkaClientOverrides());
    }

    @Test
    void missingOrMalformedSettingsNameTheSetting() {
        ServiceConfig c = ServiceConfig.of(Map.of("MAX_ATTEMPTS", "three", "S3_SECRET_KEY", "hush"));
        ConfigException missing = assertThrows(ConfigException.class, c::s3Endpoint);
        assertTrue(missing.getMessage().contains("S3_ENDPOINT") && missing.getMessage().contains("s3.endpoint"),
                missing.getMessage());
        ConfigException bad = assertThrows(ConfigException.class, c::maxAttempts);
        assertTrue(bad.getMessage().contains("MAX_ATTEMPTS") && bad.getMessage().contains("three"), bad.getMessage());
        assertFalse(c.toString().contains("hush"), "secrets are masked in descriptions");
    }

    @Test
    void fileSettingsAreRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("svc.properties");
        Files.writeString(file, "s3.endpoint=http://127.0.0.1:9000\nservice.name=sampling\nconsumer.group=samplers\n");
        ServiceConfig c = ServiceConfig.fromFile(file);
        assertEquals("http://127.0.0.1:9000", c.s3Endpoint());
        assertEquals("samplers", c.consumerGroup());
        assertEquals("x", c.with("s3.endpoint", "x").s3Endpoint(), "with() replaces a setting");
    }

    @Test
    void aPlaceholderSecretIsRefusedEvenWhenSecretsAreOptional() {
        ServiceConfig c = ServiceConfig.of(Map.of("KAFKA_USERNAME", "training", "KAFKA_PASSWORD", "change-me"));
        ConfigException e = assertThrows(ConfigException.class, c::checkSecrets);
        assertTrue(e.getMessage().contains("KAFKA_PASSWORD is still the placeholder"), e.getMessage());
        assertFalse(e.getMessage().contains("change-me\""), "the refusal does not echo secrets");
    }

    @Test
    void aDeploymentThatRequiresSecretsRefusesAMissingOne() {
        ServiceConfig c = ServiceConfig.of(Map.of("CDIFF_REQUIRE_SECRETS", "true", "KAFKA_USERNAME", "training",
                "KAFKA_PASSWORD", "x8Fq2", "S3_ACCESS_KEY", "a", "S3_SECRET_KEY", "b", "SCHEMA_REGISTRY_USERNAME",
                "services"));
        ConfigException e = assertThrows(ConfigException.class, c::checkSecrets);
        assertTrue(e.getMessage().contains("SCHEMA_REGISTRY_PASSWORD is not set"), e.getMessage());
        c.with("SCHEMA_REGISTRY_PASSWORD", "y7Pw").checkSecrets();
    }
}

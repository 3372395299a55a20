package dev.cdiff.embedded;

import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.faults.InfrastructureUnavailable;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.kafka.ServiceConnections;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.JobFailed;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A service's event loop on the real stack (KRaft broker, S3Proxy, registry over HTTP) while the registry or S3
 * goes away for a few seconds and comes back on the same port: nothing is dead-lettered, everything published
 * before and during the outage is handled exactly once after it. Poison records still go to the dead-letter topic
 * at once while the registry answers.
 */
class OutagesAreWaitedOutTest {
    @TempDir
    static Path workspace;
    static EmbeddedKafka kafka;
    static EmbeddedS3 s3;
    static int s3Port;
    static int registryPort;
    static LocalSchemaRegistry registry;

    @BeforeAll
    static void start() throws IOException {
        kafka = new EmbeddedKafka(workspace.resolve("kafka")).start();
        int[] ports = LoopbackPorts.distinct(2);
        s3Port = ports[0];
        s3 = new EmbeddedS3(workspace.resolve("s3"), s3Port).start();
        registryPort = ports[1];
        registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), registryPort);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (s3 != null) {
            s3.close();
        }
        kafka.close();
    }

    static ServiceConfig config(String service) {
        Map<String, String> m = new HashMap<>();
        m.put(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        m.put(ServiceConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + registryPort);
        m.put(ServiceConfig.S3_ENDPOINT, "http://127.0.0.1:" + s3Port);
        m.put(ServiceConfig.S3_ACCESS_KEY, EmbeddedS3.DEFAULT_ACCESS_KEY);
        m.put(ServiceConfig.S3_SECRET_KEY, EmbeddedS3.DEFAULT_SECRET_KEY);
        m.put(ServiceConfig.SERVICE_NAME, service);
        m.put(ServiceConfig.DEAD_LETTER_TOPIC, service + "-dlq");
        m.put(ServiceConfig.RETRY_BACKOFF_MS, "100");
        m.put(ServiceConfig.RETRY_BACKOFF_MAX_MS, "800");
        m.put(ServiceConfig.POLL_TIMEOUT_MS, "100");
        return ServiceConfig.of(m);
    }

    static void createTopics(String... names) throws Exception {
        try (Admin admin = new KafkaClients(config("admin")).admin()) {
            List<NewTopic> topics = new ArrayList<>();
            for (String n : names) {
                topics.add(new NewTopic(n, 2, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
    }

    static JobFailed event(String id) {
        return JobFailed.newBuilder().setEventId(id).setTenantId("acme").setJobId("job-" + id)
                .setOccurredAt(Instant.parse("2026-03-01T12:00:00Z")).setStage("training").setReason("test")
                .setErrorClass("x").build();
    }

    /** A service whose handler records each event and writes a marker object to S3 for it. */
    static final class RecordingService implements AutoCloseable {
        final List<String> handled = new CopyOnWriteArrayList<>();
        final List<Throwable> exits = new CopyOnWriteArrayList<>();
        final ServiceConnections connections;
        final EventLoop<JobFailed> loop;

        RecordingService(String service, String topic) {
            connections = ServiceConnections.open(config(service), service);
            loop = connections.eventLoop(JobFailed.class, topic)
                    .handler(e -> {
                        connections.store().putAt("handled/" + e.eventId(), e.eventId().getBytes(StandardCharsets.UTF_8),
                                "text/plain");
                        handled.add(e.eventId());
                    })
                    .processExit((status, reason, cause) -> exits.add(cause))
                    .build().start();
        }

        @Override
        public void close() {
            loop.close();
            connections.close();
        }
    }

    @Test
    void aRegistryOutageIsWaitedOutWithoutDeadLetters() throws Exception {
        createTopics("reg-outage-in", "reg-outage-svc-dlq");
        SchemaRegistryClient producerRegistry = new SchemaRegistryClient(registry.url());
        try (KafkaProducer<String, JobFailed> producer = new KafkaClients(config("producer"))
                .producer(new StringSerializer(), new ConfluentAvroSerializer<>(producerRegistry, true))) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("reg-outage-in", "job-a" + i, event("a" + i))).get();
            }
            registry.close();
            // a service starting during the outage has never seen the schema id: every record needs the registry
            try (RecordingService service = new RecordingService("reg-outage-svc", "reg-outage-in")) {
                for (int i = 0; i < 5; i++) {
                    // the producer knows its schema id already, so events keep flowing during the outage
                    producer.send(new ProducerRecord<>("reg-outage-in", "job-b" + i, event("b" + i))).get();
                }
                waitFor("the loop to wait for the registry",
                        () -> service.loop.waitingFor() == InfrastructureUnavailable.Dependency.SCHEMA_REGISTRY);
                Thread.sleep(3000);
                assertEquals(List.of(), service.handled, "nothing can be decoded while the registry is down");
                assertEquals(0, service.loop.stats().deadLettered());
                assertTrue(service.loop.isLive(Duration.ofSeconds(5)), "a waiting loop stays live (it keeps polling)");

                registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), registryPort);
                waitFor("all 10 events handled", () -> service.handled.size() >= 10);
                Thread.sleep(500);
                List<String> sorted = new ArrayList<>(service.handled);
                Collections.sort(sorted);
                assertEquals(List.of("a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2", "b3", "b4"), sorted,
                        "each event handled once");
                assertEquals(0, service.loop.stats().deadLettered());
                assertTrue(service.loop.stats().outageWaits() > 0, service.loop.stats().toString());
                assertEquals(List.of(), service.exits);
                System.out.println("registry outage: " + service.loop.stats());
            }
        }
        assertEquals(0, readTopic("reg-outage-svc-dlq", 0).size(), "nothing was dead-lettered");
    }

    @Test
    void anObjectStoreOutageIsWaitedOutWithoutDeadLetters() throws Exception {
        createTopics("s3-outage-in", "s3-outage-svc-dlq");
        SchemaRegistryClient producerRegistry = new SchemaRegistryClient(registry.url());
        try (KafkaProducer<String, JobFailed> producer = new KafkaClients(config("producer"))
                .producer(new StringSerializer(), new ConfluentAvroSerializer<>(producerRegistry, true));
             RecordingService service = new RecordingService("s3-outage-svc", "s3-outage-in")) {
            producer.send(new ProducerRecord<>("s3-outage-in", "job-c0", event("c0"))).get();
            waitFor("c0 handled before the outage", () -> service.handled.contains("c0"));
            String health = "http://127.0.0.1:" + service.connections.health().port();
            assertEquals(200, status(health + "/health/live"));
            assertEquals(200, status(health + "/health/ready"));

            s3.stop();
            for (int i = 1; i <= 5; i++) {
                producer.send(new ProducerRecord<>("s3-outage-in", "job-c" + i, event("c" + i))).get();
            }
            waitFor("the loop to wait for S3",
                    () -> service.loop.waitingFor() == InfrastructureUnavailable.Dependency.OBJECT_STORE);
            Thread.sleep(3000);
            assertEquals(List.of("c0"), service.handled, "the idempotency check and the handler need S3");
            assertEquals(0, service.loop.stats().deadLettered());
            assertEquals(200, status(health + "/health/live"), "waiting out an outage is not dying");
            assertEquals(503, status(health + "/health/ready"), "but it cannot work without S3");

            s3 = new EmbeddedS3(workspace.resolve("s3"), s3Port).start();
            waitFor("all 6 events handled", () -> service.handled.size() >= 6);
            Thread.sleep(500);
            List<String> sorted = new ArrayList<>(service.handled);
            Collections.sort(sorted);
            assertEquals(List.of("c0", "c1", "c2", "c3", "c4", "c5"), sorted, "each event handled once");
            assertEquals(0, service.loop.stats().deadLettered());
            assertTrue(service.loop.stats().outageWaits() > 0, service.loop.stats().toString());
            assertTrue(service.connections.store().exists("handled/c5"));
            Thread.sleep(1100); // readiness answers are cached for a second
            assertEquals(200, status(health + "/health/ready"));
            System.out.println("S3 outage: " + service.loop.stats());
        }
        try (RecordingService stopped = new RecordingService("s3-outage-svc-2", "s3-outage-in")) {
            stopped.loop.close();
            assertEquals(503, status("http://127.0.0.1:" + stopped.connections.health().port() + "/health/live"),
                    "a loop that ended is not live");
        }
        assertEquals(0, readTopic("s3-outage-svc-dlq", 0).size(), "nothing was dead-lettered");
    }

    @Test
    void poisonIsDeadLetteredAtOnceWhileTheRegistryAnswers() throws Exception {
        createTopics("poison-reg-in", "poison-reg-svc-dlq");
        byte[] wrongMagic = {1, 0, 0, 0, 1, 2, 3};
        byte[] unknownId = {0, 0, 0, 0x7f, 0x7f, 2, 3};
        SchemaRegistryClient producerRegistry = new SchemaRegistryClient(registry.url());
        try (KafkaProducer<String, byte[]> raw = new KafkaClients(config("producer"))
                .producer(new StringSerializer(), new ByteArraySerializer());
             KafkaProducer<String, JobFailed> producer = new KafkaClients(config("producer"))
                     .producer(new StringSerializer(), new ConfluentAvroSerializer<>(producerRegistry, true));
             RecordingService service = new RecordingService("poison-reg-svc", "poison-reg-in")) {
            raw.send(new ProducerRecord<>("poison-reg-in", "job-p", wrongMagic)).get();
            raw.send(new ProducerRecord<>("poison-reg-in", "job-p", unknownId)).get();
            producer.send(new ProducerRecord<>("poison-reg-in", "job-p", event("p-ok"))).get();
            waitFor("the good event after the poison", () -> service.handled.contains("p-ok"));
            assertEquals(2, service.loop.stats().deadLettered());
            assertEquals(0, service.loop.stats().outageWaits(), "a 404 for a schema id is an answer, not an outage");
        }
        List<ConsumerRecord<byte[], byte[]>> letters = readTopic("poison-reg-svc-dlq", 2);
        assertEquals(2, letters.size());
        ConfluentAvroDeserializer<DeadLetter> decoder = new ConfluentAvroDeserializer<>(DeadLetter.class,
                new SchemaRegistryClient(registry.url()));
        List<String> messages = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : letters) {
            assertEquals("job-p", new String(r.key(), StandardCharsets.UTF_8), "dead letters are keyed by job");
            DeadLetter letter = decoder.deserialize(r.topic(), r.value());
            assertEquals(1, letter.getAttempts());
            assertEquals("job-p", new String(bytes(letter.getOriginalKey()), StandardCharsets.UTF_8));
            messages.add(letter.getErrorMessage());
        }
        assertTrue(messages.stream().anyMatch(m -> m.contains("magic byte")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.contains("unknown schema id")), messages.toString());
    }

    static List<ConsumerRecord<byte[], byte[]>> readTopic(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaClients(config("reader")).consumer("reader-" + System.nanoTime(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }

    static int status(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .GET().build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

package dev.cdiff.embedded;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.idempotency.EventPayloads;
import dev.cdiff.platform.idempotency.HandledEvent;
import dev.cdiff.platform.idempotency.S3IdempotencyStore;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.kafka.KafkaDeadLetterPublisher;
import dev.cdiff.platform.kafka.NonRetryableException;
import dev.cdiff.platform.kafka.RetryPolicy;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.DeadLetter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The event loop against a real broker and a real S3 endpoint. Test events are text, {@code evt:<id>:<command>},
 * so the decoder can reject anything else as a poison record the way the Avro decoder rejects bad bytes.
 */
class EventLoopKafkaTest {

    @TempDir
    static Path workspace;
    static EmbeddedKafka kafka;
    static EmbeddedS3 s3;
    static ArtifactStore store;

    record TestEvent(String id, String command) {
    }

    static final class TestEventDecoder implements Deserializer<TestEvent> {
        @Override
        public TestEvent deserialize(String topic, byte[] data) {
            String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
            String[] parts = text.split(":", 3);
            if (parts.length != 3 || !parts[0].equals("evt")) {
                throw new SerializationException("not a test event: " + text.length() + " bytes");
            }
            return new TestEvent(parts[1], parts[2]);
        }
    }

    @BeforeAll
    static void startInfrastructure() {
        kafka = new EmbeddedKafka(workspace.resolve("kafka")).start();
        s3 = new EmbeddedS3(workspace.resolve("s3")).start();
        store = ArtifactStore.fromConfig(config("setup")).ensureBucket();
    }

    @AfterAll
    static void stopInfrastructure() {
        s3.stop();
        kafka.stop();
    }

    static ServiceConfig config(String service) {
        return ServiceConfig.of(Map.of(
                ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                ServiceConfig.S3_ENDPOINT, s3.endpoint(),
                ServiceConfig.S3_ACCESS_KEY, s3.accessKey(),
                ServiceConfig.S3_SECRET_KEY, s3.secretKey(),
                ServiceConfig.SERVICE_NAME, service));
    }

    /** A loop whose handler records what it saw and fails as each event's command asks. */
    static final class Harness {
        final List<InboundEvent<TestEvent>> seen = Collections.synchronizedList(new ArrayList<>());
        final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
        final List<Integer> exitStatuses = Collections.synchronizedList(new ArrayList<>());
        EventLoop<TestEvent> loop;
        KafkaProducer<String, byte[]> dlqProducer;

        /** Stops the loop, then the producer it dead-letters with (the loop does not own it). */
        void stop() {
            loop.close();
            dlqProducer.close();
        }

        Harness start(String service, String group, String topic, String dlq, boolean idempotent) {
            return start(service, group, topic, dlq, idempotent,
                    new RetryPolicy(3, Duration.ofMillis(50), Duration.ofMillis(200)));
        }

        Harness start(String service, String group, String topic, String dlq, boolean idempotent, RetryPolicy policy) {
            ServiceConfig config = config(service).with(ServiceConfig.CONSUMER_GROUP, group);
            KafkaClients clients = new KafkaClients(config);
            dlqProducer = clients.producer(new StringSerializer(), new ByteArraySerializer());
            EventLoop.Builder<TestEvent> b = EventLoop.builder(service, new TestEventDecoder())
                    .consumer(clients.rawConsumer())
                    .topics(topic)
                    .eventId(TestEvent::id)
                    .tenantAndJob(e -> "tenant-t", e -> "job-" + e.id())
                    .deadLetters(new KafkaDeadLetterPublisher<>(dlqProducer, dlq, EventLoopKafkaTest::avroBytes))
                    .retryPolicy(policy)
                    .pollTimeout(Duration.ofMillis(100))
                    .processExit((status, reason, cause) -> exitStatuses.add(status))
                    .handler(this::handle);
            if (idempotent) {
                b.idempotency(new S3IdempotencyStore(store));
            }
            loop = b.build().start();
            return this;
        }

        void handle(InboundEvent<TestEvent> event) {
            seen.add(event);
            switch (event.value().command()) {
                case "reject" -> throw new NonRetryableException("concept images are not images");
                case "always-fail" -> throw new IllegalStateException("GPU on fire");
                case "fatal" -> throw new StackOverflowError("simulated fatal error");
                case "flaky" -> {
                    AtomicInteger left = failuresLeft.computeIfAbsent(event.eventId(), k -> new AtomicInteger(2));
                    if (left.getAndDecrement() > 0) {
                        throw new IllegalStateException("S3 briefly unavailable");
                    }
                }
                default -> {
                }
            }
        }

        List<String> handledIds() {
            synchronized (seen) {
                return seen.stream().map(InboundEvent::eventId).toList();
            }
        }
    }

    static byte[] avroBytes(dev.cdiff.platform.kafka.DeadLetterEnvelope envelope) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(DeadLetter.class).write(envelope.toAvro(), encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<DeadLetter> readDeadLetters(String dlq, int expected) throws IOException {
        List<DeadLetter> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readTopic(dlq, expected)) {
            out.add(new SpecificDatumReader<>(DeadLetter.class)
                    .read(null, DecoderFactory.get().binaryDecoder(r.value(), null)));
        }
        return out;
    }

    static List<ConsumerRecord<byte[], byte[]>> readTopic(String topic, int expected) {
        KafkaClients clients = new KafkaClients(config("reader"));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer("reader-" + System.nanoTime(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(300)).forEach(out::add);
        }
        return out;
    }

    static void createTopics(String... names) throws Exception {
        try (Admin admin = new KafkaClients(config("admin")).admin()) {
            List<NewTopic> topics = new ArrayList<>();
            for (String n : names) {
                topics.add(new NewTopic(n, 1, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
    }

    static void produce(String topic, List<byte[]> values) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaClients(config("producer"))
                .producer(new StringSerializer(), new ByteArraySerializer())) {
            for (byte[] v : values) {
                p.send(new ProducerRecord<>(topic, "job-key", v)).get();
            }
        }
    }

    static byte[] evt(String id, String command) {
        return ("evt:" + id + ":" + command).getBytes(StandardCharsets.UTF_8);
    }

    static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void poisonAndFailingRecordsAreDeadLetteredAndTheLoopKeepsGoing() throws Exception {
        createTopics("poison-in", "poison-dlq");
        byte[] garbage = {0, 1, 2, (byte) 0xff, 'x'};
        produce("poison-in", List.of(evt("p1", "ok"), garbage, evt("p2", "reject"), evt("p3", "always-fail"),
                evt("p4", "ok")));
        Harness h = new Harness().start("poison-svc", "poison-svc", "poison-in", "poison-dlq", true);
        try {
            waitFor("p4 handled", () -> h.handledIds().contains("p4"));
            waitFor("3 dead letters", () -> h.loop.stats().deadLettered() == 3);
        } finally {
            h.stop();
        }
        assertEquals(List.of("p1", "p2", "p3", "p3", "p3", "p4"), h.handledIds(),
                "rejected once, failing one tried 3 times, nothing after it lost");
        assertNull(h.loop.failure());

        List<DeadLetter> letters = readDeadLetters("poison-dlq", 3);
        assertEquals(3, letters.size());
        DeadLetter undecodable = letters.get(0);
        assertEquals("poison-svc", undecodable.getService());
        assertEquals("poison-in", undecodable.getOriginalTopic());
        assertEquals(1L, undecodable.getOriginalOffset());
        assertArrayEquals(garbage, bytes(undecodable.getOriginalValue()));
        assertArrayEquals("job-key".getBytes(StandardCharsets.UTF_8), bytes(undecodable.getOriginalKey()));
        assertEquals(SerializationException.class.getName(), undecodable.getErrorClass());
        assertTrue(undecodable.getErrorMessage().contains("not a test event"), undecodable.getErrorMessage());
        assertEquals(1, undecodable.getAttempts());
        assertNull(undecodable.getOriginalEventId());

        DeadLetter rejected = letters.get(1);
        assertEquals("p2", rejected.getOriginalEventId());
        assertEquals(NonRetryableException.class.getName(), rejected.getErrorClass());
        assertEquals(1, rejected.getAttempts(), "non-retryable failures are not retried");
        assertEquals("tenant-t", rejected.getTenantId());
        assertEquals("job-p2", rejected.getJobId());

        DeadLetter exhausted = letters.get(2);
        assertEquals("p3", exhausted.getOriginalEventId());
        assertEquals(IllegalStateException.class.getName(), exhausted.getErrorClass());
        assertEquals("GPU on fire", exhausted.getErrorMessage());
        assertEquals(3, exhausted.getAttempts());
        assertEquals(3L, exhausted.getOriginalOffset());
    }

    @Test
    void transientFailureIsRetriedThenSucceeds() throws Exception {
        createTopics("flaky-in", "flaky-dlq");
        produce("flaky-in", List.of(evt("f1", "flaky"), evt("f2", "ok")));
        Harness h = new Harness().start("flaky-svc", "flaky-svc", "flaky-in", "flaky-dlq", true);
        try {
            waitFor("f2 handled", () -> h.handledIds().contains("f2"));
        } finally {
            h.stop();
        }
        assertEquals(List.of("f1", "f1", "f1", "f2"), h.handledIds());
        synchronized (h.seen) {
            assertEquals(List.of(1, 2, 3), h.seen.subList(0, 3).stream().map(InboundEvent::attempt).toList());
        }
        assertEquals(2, h.loop.stats().retries());
        assertEquals(2, h.loop.stats().handled());
        assertEquals(0, h.loop.stats().deadLettered());
        assertTrue(readTopic("flaky-dlq", 0).isEmpty(), "nothing was dead-lettered");
        assertTrue(new S3IdempotencyStore(store).isProcessed("flaky-svc",
                new HandledEvent("tenant-t", "f1", EventPayloads.sha256(evt("f1", "flaky")))));
    }

    @Test
    void redeliveredEventIsHandledOnce() throws Exception {
        createTopics("dup-in", "dup-dlq");
        // the same event twice in the log (a producer retry after a lost ack, or a replay)
        produce("dup-in", List.of(evt("d1", "ok"), evt("d1", "ok"), evt("d2", "ok")));
        Harness first = new Harness().start("dup-svc", "dup-svc", "dup-in", "dup-dlq", true);
        try {
            waitFor("d2 handled", () -> first.handledIds().contains("d2"));
        } finally {
            first.stop();
        }
        assertEquals(List.of("d1", "d2"), first.handledIds());
        assertEquals(1, first.loop.stats().duplicates());

        // redelivery of everything: a fresh group of the same service reads the topic from the start
        Harness replay = new Harness().start("dup-svc", "dup-svc-replay", "dup-in", "dup-dlq", true);
        try {
            waitFor("all 3 records seen as duplicates", () -> replay.loop.stats().duplicates() == 3);
        } finally {
            replay.stop();
        }
        assertEquals(List.of(), replay.handledIds(), "a redelivered event changes nothing twice");
    }

    @Test
    void restartedLoopResumesFromCommittedOffsets() throws Exception {
        createTopics("resume-in", "resume-dlq");
        produce("resume-in", List.of(evt("r1", "ok"), evt("r2", "ok"), evt("r3", "ok")));
        // no idempotency store: only committed offsets can prevent re-handling
        Harness before = new Harness().start("resume-svc", "resume-svc", "resume-in", "resume-dlq", false);
        try {
            waitFor("r3 handled", () -> before.handledIds().contains("r3"));
        } finally {
            before.stop();
        }
        produce("resume-in", List.of(evt("r4", "ok"), evt("r5", "ok")));
        Harness after = new Harness().start("resume-svc", "resume-svc", "resume-in", "resume-dlq", false);
        try {
            waitFor("r5 handled", () -> after.handledIds().contains("r5"));
            Thread.sleep(300);
        } finally {
            after.stop();
        }
        assertEquals(List.of("r1", "r2", "r3"), before.handledIds());
        assertEquals(List.of("r4", "r5"), after.handledIds());
    }

    @Test
    void closeReturnsPromptlyWhileIdle() throws Exception {
        createTopics("idle-in");
        Harness h = new Harness().start("idle-svc", "idle-svc", "idle-in", "idle-dlq", false);
        Thread.sleep(500);
        long t0 = System.nanoTime();
        h.stop();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(h.loop.awaitTermination(Duration.ZERO), "loop thread has ended");
        assertTrue(ms < 15_000, "close took " + ms + " ms");
        System.out.println("EventLoop close while idle: " + ms + " ms");
        Set<String> none = Set.of();
        assertEquals(none, Set.copyOf(h.handledIds()));
    }

    @Test
    void aLoopClosedBeforeStartingReleasesItsConsumerAndCannotStartLater() throws Exception {
        KafkaClients clients = new KafkaClients(config("never-started"));
        EventLoop<TestEvent> loop = EventLoop.builder("never-started", new TestEventDecoder())
                .consumer(clients.rawConsumer()).topics("unused").handler(e -> { })
                .deadLetters(envelope -> { }).build();
        loop.close();
        assertTrue(loop.awaitTermination(Duration.ZERO));
        loop.close(); // twice is harmless
        loop.run(); // returns at once: it was closed
        assertNull(loop.failure());
    }

    @Test
    void closeDuringBackoffIsPromptAndLeavesTheRecordUncommitted() throws Exception {
        createTopics("stop-in", "stop-dlq");
        produce("stop-in", List.of(evt("s1", "flaky")));
        Harness slow = new Harness().start("stop-svc", "stop-svc", "stop-in", "stop-dlq", true,
                new RetryPolicy(3, Duration.ofSeconds(30), Duration.ofSeconds(30)));
        waitFor("first attempt", () -> slow.handledIds().size() == 1);
        long t0 = System.nanoTime();
        slow.stop();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 10_000, "close during a 30 s backoff took " + ms + " ms");
        assertEquals(0, slow.loop.stats().deadLettered());

        // the record's outcome was never stored, so its offset was not committed: the next run gets it again
        Harness next = new Harness().start("stop-svc", "stop-svc", "stop-in", "stop-dlq", true);
        try {
            waitFor("s1 handled after restart", () -> next.loop.stats().handled() == 1);
        } finally {
            next.stop();
        }
        assertEquals(List.of("s1", "s1", "s1"), next.handledIds(), "two more failures, then success");
        System.out.println("EventLoop close during backoff: " + ms + " ms");
    }

    @Test
    void anErrorEndsTheLoopAndExitsTheProcessInsteadOfLeavingItHalfDead() throws Exception {
        createTopics("fatal-in", "fatal-dlq");
        produce("fatal-in", List.of(evt("x1", "ok"), evt("x2", "fatal"), evt("x3", "ok")));
        Harness h = new Harness().start("fatal-svc", "fatal-svc", "fatal-in", "fatal-dlq", true);
        try {
            waitFor("the loop to end", () -> h.loop.failure() != null);
            assertTrue(h.loop.awaitTermination(Duration.ofSeconds(30)));
            waitFor("the process exit", () -> !h.exitStatuses.isEmpty());
        } finally {
            h.stop();
        }
        assertEquals(List.of(70), h.exitStatuses, "one exit, with the fatal status");
        assertInstanceOf(StackOverflowError.class, h.loop.failure());
        assertTrue(!h.loop.isLive(Duration.ofHours(1)), "a dead loop is not live, however recent its last poll");
        assertEquals(List.of("x1", "x2"), h.handledIds(), "nothing after the fatal record was touched");
        assertEquals(0, h.loop.stats().deadLettered(), "an Error says nothing about the record: it is redelivered");
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

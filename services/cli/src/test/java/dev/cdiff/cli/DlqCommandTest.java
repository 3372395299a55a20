package dev.cdiff.cli;

import dev.cdiff.cli.dlq.DeadLetters;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaAccess;
import dev.cdiff.platform.kafka.DeadLetterEnvelope;
import dev.cdiff.platform.kafka.KafkaDeadLetterPublisher;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.schemas.events.JobFailed;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./cdiff dlq list | show | replay} against a real broker and registry. */
class DlqCommandTest {
    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static Path endpoints;
    static byte[] decodableOriginal;
    static final byte[] GARBAGE = {0, 0, 0, 0x7f, 0x7c, 9, 9};

    @BeforeAll
    static void start() throws Exception {
        stack = new LoopbackStack(workspace);
        endpoints = workspace.resolve("endpoints.properties");
        // replaying writes any topic a dead letter came from: an operator's act, so the super user's credential
        new Endpoints(Map.of(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, stack.kafka.bootstrapServers(),
                ServiceConfig.KAFKA_USERNAME, KafkaAccess.ADMIN,
                ServiceConfig.KAFKA_PASSWORD, stack.credentials.kafkaPassword(KafkaAccess.ADMIN),
                ServiceConfig.SCHEMA_REGISTRY_URL, stack.registry.url())).save(endpoints);

        JobFailed original = JobFailed.newBuilder().setEventId("ev-orig").setTenantId("acme").setJobId("job-1")
                .setOccurredAt(Instant.parse("2026-03-01T12:00:00Z")).setStage("sampling")
                .setReason("a reason only the original carries").setErrorClass("X").build();
        decodableOriginal = new ConfluentAvroSerializer<JobFailed>(stack.registryClient, true)
                .serialize(Topics.JOB_FAILED, original);
        try (KafkaProducer<String, SpecificRecord> producer = stack.producer()) {
            KafkaDeadLetterPublisher<SpecificRecord> publisher = new KafkaDeadLetterPublisher<>(producer,
                    Topics.DEAD_LETTER, DeadLetterEnvelope::toAvro);
            publisher.publish(new DeadLetterEnvelope("dl-one", "sampling", Topics.JOB_FAILED, 1, 17L,
                    "job-1".getBytes(StandardCharsets.UTF_8), decodableOriginal, "ev-orig", "acme", "job-1",
                    "dev.cdiff.platform.kafka.NonRetryableException", "prompt is empty", 1,
                    Instant.parse("2026-03-01T12:00:01Z")));
            publisher.publish(new DeadLetterEnvelope("dl-two", "orchestrator", Topics.JOB_FAILED, 2, 3L,
                    "job-2".getBytes(StandardCharsets.UTF_8), GARBAGE, null, null, null,
                    "org.apache.kafka.common.errors.SerializationException", "unknown schema id 32636", 1,
                    Instant.parse("2026-03-01T12:00:02Z")));
        }
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static String run(String... args) {
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            String[] all = Arrays.copyOf(args, args.length + 2);
            all[args.length] = "--endpoints";
            all[args.length + 1] = endpoints.toString();
            code = Cdiff.commandLine().execute(all);
        } finally {
            System.setOut(before);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, String.join(" ", args) + " printed: " + text);
        return text;
    }

    @Test
    void listShowsEveryDeadLetterAndFiltersByJob() {
        String all = run("dlq", "list");
        assertTrue(all.contains("dl-one") && all.contains("dl-two"), all);
        assertTrue(all.contains("job=job-2"), "an undecodable original's job comes from its key: " + all);
        assertTrue(all.indexOf("dl-one") < all.indexOf("dl-two"), "oldest first");

        String one = run("dlq", "list", "--job", "job-1");
        assertTrue(one.contains("dl-one"), one);
        assertFalse(one.contains("dl-two"), one);
    }

    @Test
    void showDecodesTheOriginalWhenItCanAndSaysWhyWhenItCannot() {
        String decodable = run("dlq", "show", "dl-one");
        assertTrue(decodable.contains("a reason only the original carries"), decodable);
        assertTrue(decodable.contains("prompt is empty"), decodable);

        String undecodable = run("dlq", "show", "dl-two");
        assertTrue(undecodable.contains("undecodable"), undecodable);
        assertTrue(undecodable.contains("0000007f7c0909"), undecodable);
    }

    @Test
    void replayPutsTheOriginalBytesBackOnTheirTopic() {
        String out = run("dlq", "replay", "--job", "job-1");
        assertTrue(out.contains("replayed dl-one -> " + Topics.JOB_FAILED), out);

        List<ConsumerRecord<byte[], byte[]>> replayed = new ArrayList<>();
        Map<String, Object> settings = new java.util.HashMap<>(stack.principal(KafkaAccess.ADMIN));
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-check");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.JOB_FAILED));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (replayed.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(replayed::add);
            }
        }
        assertEquals(1, replayed.size(), "only job-1's dead letter");
        ConsumerRecord<byte[], byte[]> record = replayed.get(0);
        assertArrayEquals(decodableOriginal, record.value());
        assertEquals("job-1", new String(record.key(), StandardCharsets.UTF_8));
        Header from = record.headers().lastHeader(DeadLetters.REPLAYED_FROM);
        assertEquals("dl-one", new String(from.value(), StandardCharsets.UTF_8));
    }
}

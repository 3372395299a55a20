package dev.cdiff.ingestion;

import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.kafka.KafkaAccess;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.IngestionRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ingestion against a real broker, S3 and schema registry: uploads as the gateway hands them over, rejection, dedup, dead letters. */
class IngestionServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static IngestionService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("ingestion");
        settings.put(IngestionSettings.IMAGE_SIDE, "64");
        settings.put(IngestionSettings.MAX_IMAGE_BYTES, "300000");
        ServiceConfig config = ServiceConfig.of(settings);
        service = new IngestionService(config).start();
        store = ArtifactStore.fromConfig(config);
        producer = stack.producer();
    }

    @AfterAll
    static void stop() {
        producer.close();
        service.close();
        stack.close();
    }

    /**
     * What the gateway does with an upload: the bytes go under the tenant's uploads prefix, and an
     * IngestionRequested names them. Returns the job id.
     */
    private static String upload(String tenant, String classWord, List<byte[]> images) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            String key = "tenants/" + tenant + "/uploads/photo" + i + "-" + UUID.randomUUID() + ".png";
            store.putAt(key, images.get(i), "image/png");
            keys.add(key);
        }
        String jobId = "job-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.INGESTION_REQUESTED, jobId, IngestionRequested.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setJobId(jobId)
                .setOccurredAt(Instant.now()).setConceptName("rex").setClassWord(classWord)
                .setSourceBucket(store.bucket()).setSourceKeys(keys).setCaptions(List.of()).build())).get();
        return jobId;
    }

    private static List<byte[]> pngs(int n, int seed) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(TestImages.png(96, 72, seed + i));
        }
        return out;
    }

    @Test
    void uploadedImagesAreNormalisedStoredAndAnnounced() throws Exception {
        String jobId = upload("acme", "Dog", pngs(5, 10));
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_SUBMITTED)) {
            ConceptSubmitted event = LoopbackStack.await(consumer, ConceptSubmitted.class,
                    e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals("acme", event.getTenantId());
            assertEquals("dog", event.getClassWord());
            assertEquals("event", event.getSource());
            assertEquals(5, event.getImages().size());
            for (ArtifactRef ref : event.getImages()) {
                assertEquals("tenants/acme/images/" + ref.getSha256() + ".png", ref.getKey());
                byte[] stored = store.getBytes(ref.getKey());
                assertEquals(ref.getSizeBytes(), stored.length);
                java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(stored));
                assertEquals(64, img.getWidth());
                assertEquals(64, img.getHeight());
            }
        }
    }

    @Test
    void rejectedUploadStoresNothingAndSaysWhy() throws Exception {
        List<byte[]> images = pngs(4, 40);
        images.add("this is a text file".getBytes(StandardCharsets.UTF_8));
        String jobId = upload("beta", "cat", images);
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_REJECTED)) {
            ConceptRejected event = LoopbackStack.await(consumer, ConceptRejected.class,
                    e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals("UNSUPPORTED_FORMAT", event.getReasonCode());
            assertEquals(1, event.getOffendingItems().size());
            assertTrue(event.getOffendingItems().get(0).startsWith("tenants/beta/uploads/photo4-"),
                    event.getOffendingItems().toString());
        }
        assertEquals(List.of(), store.list("tenants/beta/images/"));
    }

    @Test
    void decompressionBombIsRejectedNamingItsSize() throws Exception {
        List<byte[]> withBomb = pngs(4, 90);
        withBomb.add(TestImages.pngHeaderClaiming(30_000, 30_000));
        String jobId = upload("acme", "dog", withBomb);
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_REJECTED)) {
            ConceptRejected event = LoopbackStack.await(consumer, ConceptRejected.class,
                    e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals("IMAGE_TOO_LARGE", event.getReasonCode());
            assertTrue(event.getReason().contains("30000x30000"), event.getReason());
        }
    }

    @Test
    void eventPathIngestsOnceEvenWhenRedelivered() throws Exception {
        List<String> keys = new ArrayList<>();
        for (byte[] png : pngs(4, 70)) {
            String key = "tenants/acme/uploads/" + UUID.randomUUID() + ".png";
            store.putAt(key, png, "image/png");
            keys.add(key);
        }
        String jobId = "job-" + UUID.randomUUID();
        IngestionRequested request = IngestionRequested.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setTenantId("acme").setJobId(jobId)
                .setOccurredAt(Instant.now()).setConceptName("teapot").setClassWord("teapot")
                .setSourceBucket(store.bucket()).setSourceKeys(keys).setCaptions(List.of()).build();
        long duplicatesBefore = service.loop().stats().duplicates();
        producer.send(new ProducerRecord<>(Topics.INGESTION_REQUESTED, jobId, request)).get();
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_SUBMITTED)) {
            ConceptSubmitted event = LoopbackStack.await(consumer, ConceptSubmitted.class,
                    e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals(request.getEventId(), event.getCausationId());
            assertEquals("event", event.getSource());
            assertEquals(4, event.getImages().size());
            producer.send(new ProducerRecord<>(Topics.INGESTION_REQUESTED, jobId, request)).get();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (service.loop().stats().duplicates() == duplicatesBefore && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(duplicatesBefore + 1, service.loop().stats().duplicates());
            int more = 0;
            for (var r : consumer.poll(Duration.ofSeconds(1))) {
                if (r.value() instanceof ConceptSubmitted c && c.getJobId().equals(jobId)) {
                    more++;
                }
            }
            assertEquals(0, more, "a redelivered request must not be announced twice");
        }
    }

    @Test
    void eventNamingAMissingObjectIsRejected() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        List<String> keys = List.of("tenants/acme/uploads/a.png", "tenants/acme/uploads/b.png",
                "tenants/acme/uploads/c.png", "tenants/acme/uploads/missing.png");
        for (int i = 0; i < 3; i++) {
            store.putAt(keys.get(i), TestImages.png(64, 64, 200 + i), "image/png");
        }
        IngestionRequested request = IngestionRequested.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setTenantId("acme").setJobId(jobId)
                .setOccurredAt(Instant.now()).setConceptName("x").setClassWord("vase")
                .setSourceBucket(store.bucket()).setSourceKeys(keys).setCaptions(List.of()).build();
        producer.send(new ProducerRecord<>(Topics.INGESTION_REQUESTED, jobId, request)).get();
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_REJECTED)) {
            ConceptRejected event = LoopbackStack.await(consumer, ConceptRejected.class,
                    e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals("SOURCE_NOT_FOUND", event.getReasonCode());
            assertEquals(List.of("tenants/acme/uploads/missing.png"), event.getOffendingItems());
        }
    }

    @Test
    void undecodableRecordIsDeadLettered() throws Exception {
        // a client with rights on the topic that writes bytes no registry knows: the bus is SASL-secured
        Map<String, Object> c = stack.principal(KafkaAccess.ADMIN);
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
             KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.DEAD_LETTER)) {
            raw.send(new ProducerRecord<>(Topics.INGESTION_REQUESTED, "poison", "not avro".getBytes())).get();
            DeadLetter dead = LoopbackStack.await(consumer, DeadLetter.class,
                    d -> d.getService().equals("ingestion"), 1, WAIT).get(0);
            assertEquals(Topics.INGESTION_REQUESTED, dead.getOriginalTopic());
        }
    }
}

package dev.cdiff.ingestion;

import dev.cdiff.embedded.testing.LoopbackStack;

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
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/** Ingestion against a real broker, S3 and schema registry: both entry points, rejection, dedup, dead letters. */
class IngestionServiceTest {
    private static final String KEY = "acme-secret-key";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static IngestionService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("ingestion");
        settings.put(IngestionSettings.HTTP_PORT, "0");
        settings.put(IngestionSettings.API_KEYS, KEY + "=acme,beta-secret-key=beta");
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

    private static HttpResponse<String> upload(String apiKey, String classWord, List<byte[]> images)
            throws Exception {
        String boundary = "----cdiff" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        field(body, boundary, "conceptName", "rex");
        if (classWord != null) {
            field(body, boundary, "classWord", classWord);
        }
        for (int i = 0; i < images.size(); i++) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"photo"
                    + i + ".png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(images.get(i));
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + service.httpPort() + "/v1/concepts"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (apiKey != null) {
            request.header("X-Api-Key", apiKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void field(ByteArrayOutputStream body, String boundary, String name, String value) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static List<byte[]> pngs(int n, int seed) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(TestImages.png(96, 72, seed + i));
        }
        return out;
    }

    private static String jsonField(String json, String name) {
        int at = json.indexOf("\"" + name + "\":\"");
        int start = at + name.length() + 4;
        return json.substring(start, json.indexOf('"', start));
    }

    @Test
    void httpUploadIsStoredAndAnnounced() throws Exception {
        HttpResponse<String> response = upload(KEY, "Dog", pngs(5, 10));
        assertEquals(202, response.statusCode(), response.body());
        String jobId = jsonField(response.body(), "jobId");
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_SUBMITTED)) {
            ConceptSubmitted event = LoopbackStack.await(consumer, ConceptSubmitted.class,
                    e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals("acme", event.getTenantId());
            assertEquals("dog", event.getClassWord());
            assertEquals("http", event.getSource());
            assertEquals(jsonField(response.body(), "conceptId"), event.getConceptId());
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
        HttpResponse<String> response = upload("beta-secret-key", "cat", images);
        assertEquals(422, response.statusCode(), response.body());
        assertTrue(response.body().contains("UNSUPPORTED_FORMAT") && response.body().contains("photo4.png"),
                response.body());
        String jobId = jsonField(response.body(), "jobId");
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_REJECTED)) {
            ConceptRejected event = LoopbackStack.await(consumer, ConceptRejected.class,
                    e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals("UNSUPPORTED_FORMAT", event.getReasonCode());
            assertEquals(List.of("photo4.png"), event.getOffendingItems());
        }
        assertEquals(List.of(), store.list("tenants/beta/"));
    }

    @Test
    void oversizedBodiesAndBombsAreRefused() throws Exception {
        List<byte[]> huge = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            huge.add(new byte[300_000]);
        }
        HttpResponse<String> tooLarge = upload(KEY, "dog", huge);
        assertEquals(413, tooLarge.statusCode(), tooLarge.body());

        List<byte[]> withBomb = pngs(4, 90);
        withBomb.add(TestImages.pngHeaderClaiming(30_000, 30_000));
        HttpResponse<String> bomb = upload(KEY, "dog", withBomb);
        assertEquals(422, bomb.statusCode(), bomb.body());
        assertTrue(bomb.body().contains("IMAGE_TOO_LARGE") && bomb.body().contains("photo4.png")
                && bomb.body().contains("30000x30000"), bomb.body());
    }

    @Test
    void unknownOrMissingKeyIs401() throws Exception {
        assertEquals(401, upload("wrong-key-123", "dog", pngs(4, 1)).statusCode());
        assertEquals(401, upload(null, "dog", pngs(4, 1)).statusCode());
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
        Map<String, Object> c = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
             KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.DEAD_LETTER)) {
            raw.send(new ProducerRecord<>(Topics.INGESTION_REQUESTED, "poison", "not avro".getBytes())).get();
            DeadLetter dead = LoopbackStack.await(consumer, DeadLetter.class,
                    d -> d.getService().equals("ingestion"), 1, WAIT).get(0);
            assertEquals(Topics.INGESTION_REQUESTED, dead.getOriginalTopic());
        }
    }
}

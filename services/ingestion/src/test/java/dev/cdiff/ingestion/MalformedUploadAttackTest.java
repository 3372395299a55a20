package dev.cdiff.ingestion;

import dev.cdiff.embedded.testing.AttackProbes;
import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.IngestionRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads that used to be accepted although nothing good can be learnt from them, on the real embedded stack with
 * the service's default limits: a truncated JPEG (decoded half grey) and an 8x8 picture. Each is refused with its
 * reason, naming the file, and no image of the concept is stored.
 */
class MalformedUploadAttackTest {
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

    /** Three good pictures and {@code bad} under the tenant's prefix; returns the rejection of ingesting them. */
    static ConceptRejected ingestWith(byte[] bad, String badName) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String key = "tenants/local/uploads/" + UUID.randomUUID() + ".png";
            store.putAt(key, TestImages.png(128, 128, 500 + i), "image/png");
            keys.add(key);
        }
        String badKey = "tenants/local/uploads/" + badName;
        store.putAt(badKey, bad, "application/octet-stream");
        keys.add(badKey);
        List<ObjectSummary> images = store.list("tenants/local/images/");
        IngestionRequested request = IngestionRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId("local").setJobId("job-" + UUID.randomUUID()).setOccurredAt(Instant.now())
                .setConceptName("dog").setClassWord("dog").setSourceBucket(store.bucket()).setSourceKeys(keys)
                .setCaptions(List.of()).build();
        ConceptRejected rejected = AttackProbes.answerTo(stack, producer, Topics.INGESTION_REQUESTED,
                request.getJobId(), request, Topics.CONCEPT_REJECTED, ConceptRejected.class,
                e -> e.getJobId().equals(request.getJobId()), WAIT);
        assertEquals(images, store.list("tenants/local/images/"), "no image of the concept was stored");
        assertEquals(List.of(badKey), rejected.getOffendingItems());
        return rejected;
    }

    @Test
    void aTruncatedJpegIsRefused() {
        byte[] whole = TestImages.jpeg(256, 256, 7);
        ConceptRejected rejected = ingestWith(Arrays.copyOf(whole, whole.length * 2 / 3), "cut.jpg");
        assertEquals("TRUNCATED_IMAGE", rejected.getReasonCode());
        assertTrue(rejected.getReason().contains("not a complete JPEG"), rejected.getReason());
    }

    @Test
    void anEightByEightImageIsRefused() {
        ConceptRejected rejected = ingestWith(TestImages.png(8, 8, 9), "tiny.png");
        assertEquals("IMAGE_TOO_SMALL", rejected.getReasonCode());
        assertTrue(rejected.getReason().contains("8x8") && rejected.getReason().contains("at least 64"),
                rejected.getReason());
    }
}

package dev.cdiff.ingestion;

import dev.cdiff.embedded.testing.AttackProbes;
import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.IngestionRequested;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attacks on the event-triggered ingestion path as a plain producer would make them on the real embedded stack: a
 * foreign bucket read with the store's own credentials, keys of another tenant, a dot-dot key, and an event id reused
 * across tenants to get another tenant's event skipped. Each is refused with a reason and stores nothing.
 */
class TenantBoundaryAttackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static IngestionService service;
    static ArtifactStore store;
    static MinioClient s3;
    static KafkaProducer<String, SpecificRecord> producer;

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("ingestion");
        settings.put(IngestionSettings.IMAGE_SIDE, "64");
        ServiceConfig config = ServiceConfig.of(settings);
        service = new IngestionService(config).start();
        store = ArtifactStore.fromConfig(config);
        s3 = MinioClient.builder().endpoint(stack.s3.endpoint()).credentials(stack.s3.accessKey(), stack.s3.secretKey())
                .region(config.s3Region()).build();
        producer = stack.producer();
    }

    @AfterAll
    static void stop() {
        producer.close();
        service.close();
        stack.close();
    }

    /** Four distinct, valid pictures under {@code tenants/<tenant>/uploads/}; their keys. */
    static List<String> upload(String tenant, int seed) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String key = "tenants/" + tenant + "/uploads/" + UUID.randomUUID() + ".png";
            store.putAt(key, TestImages.png(96, 96, seed + i), "image/png");
            keys.add(key);
        }
        return keys;
    }

    static IngestionRequested request(String eventId, String tenant, String bucket, List<String> keys) {
        return IngestionRequested.newBuilder().setEventId(eventId).setTenantId(tenant)
                .setJobId("job-" + UUID.randomUUID()).setOccurredAt(Instant.now()).setConceptName("stolen")
                .setClassWord("dog").setSourceBucket(bucket).setSourceKeys(keys).setCaptions(List.of()).build();
    }

    static ConceptRejected rejected(IngestionRequested request) {
        return AttackProbes.answerTo(stack, producer, Topics.INGESTION_REQUESTED, request.getJobId(), request,
                Topics.CONCEPT_REJECTED, ConceptRejected.class, e -> e.getJobId().equals(request.getJobId()), WAIT);
    }

    static ConceptSubmitted submitted(IngestionRequested request) {
        return AttackProbes.answerTo(stack, producer, Topics.INGESTION_REQUESTED, request.getJobId(), request,
                Topics.CONCEPT_SUBMITTED, ConceptSubmitted.class, e -> e.getJobId().equals(request.getJobId()), WAIT);
    }

    @Test
    void aForeignBucketIsNeverRead() throws Exception {
        String foreign = "someone-elses-photos";
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(foreign).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(foreign).build());
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] png = TestImages.png(96, 96, 300 + i);
            String key = "tenants/local/uploads/private-" + i + ".png";
            s3.putObject(PutObjectArgs.builder().bucket(foreign).object(key)
                    .stream(new ByteArrayInputStream(png), png.length, -1).contentType("image/png").build());
            keys.add(key);
        }
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        ConceptRejected refused = rejected(request(UUID.randomUUID().toString(), "local", foreign, keys));
        assertEquals("FOREIGN_SOURCE", refused.getReasonCode());
        assertTrue(refused.getReason().contains(foreign) && refused.getReason().contains("only this deployment's"),
                refused.getReason());
        assertEquals(before, AttackProbes.tenantData(store), "nothing of the foreign bucket was copied in");
    }

    @Test
    void anotherTenantsKeysAreRefused() {
        List<String> theirs = upload("other", 310);
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        ConceptRejected refused = rejected(request(UUID.randomUUID().toString(), "local", store.bucket(), theirs));
        assertEquals("FOREIGN_SOURCE", refused.getReasonCode());
        assertTrue(refused.getReason().contains("does not belong to tenant local"), refused.getReason());
        assertEquals(List.of(theirs.get(0)), refused.getOffendingItems());
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void aDotDotKeyIntoAnotherTenantIsDeadLettered() {
        List<String> theirs = upload("other", 320);
        List<String> sneaky = theirs.stream().map(k -> k.replace("tenants/other/", "tenants/local/../other/")).toList();
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        IngestionRequested request = request(UUID.randomUUID().toString(), "local", store.bucket(), sneaky);
        DeadLetter dead = AttackProbes.deadLetterFor(stack, producer, "ingestion", Topics.INGESTION_REQUESTED,
                request.getJobId(), request, WAIT);
        assertTrue(dead.getErrorMessage().contains("IngestionRequested.sourceKeys[0]"), dead.getErrorMessage());
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void reusingAnotherTenantsEventIdNeitherSkipsNorOverwritesIt() {
        String eventId = UUID.randomUUID().toString();
        // the attacker goes first: an event of its own under the id it predicts the victim will use
        ConceptSubmitted attacker = submitted(request(eventId, "mallory", store.bucket(), upload("mallory", 330)));
        assertEquals("mallory", attacker.getTenantId());

        long duplicatesBefore = service.loop().stats().duplicates();
        ConceptSubmitted victim = submitted(request(eventId, "local", store.bucket(), upload("local", 340)));
        assertEquals("local", victim.getTenantId());
        assertEquals(4, victim.getImages().size());
        assertEquals(duplicatesBefore, service.loop().stats().duplicates(), "the victim's event was not skipped");

        // the same tenant and id with other content is not silently skipped either: it is refused as a conflict
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        List<String> replacement = upload("mallory", 350);
        List<ObjectSummary> withUpload = AttackProbes.tenantData(store);
        IngestionRequested conflicting = request(eventId, "mallory", store.bucket(), replacement);
        DeadLetter dead = AttackProbes.deadLetterFor(stack, producer, "ingestion", Topics.INGESTION_REQUESTED,
                conflicting.getJobId(), conflicting, WAIT);
        assertTrue(dead.getErrorMessage().contains("already handled") && dead.getErrorMessage().contains("another payload"),
                dead.getErrorMessage());
        assertEquals(withUpload, AttackProbes.tenantData(store), "nothing was ingested for the conflicting event");
        assertTrue(withUpload.size() > before.size());
    }
}

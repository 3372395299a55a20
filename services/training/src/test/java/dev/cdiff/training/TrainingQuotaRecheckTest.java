package dev.cdiff.training;

import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.platform.store.ArtifactOwnership;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingRequested;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The worker's own check of the caps, for requests that reach the topic without the orchestrator: refused before
 * any image is read, with the cap and its limit in the message.
 */
class TrainingQuotaRecheckTest {
    static final ArtifactOwnership OWNERSHIP = new ArtifactOwnership("cdiff");

    static TrainingRequested request(String tenant, int steps, int batch, int resolution, int images) {
        List<ArtifactRef> refs = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            String sha = String.format("%064x", i + 1);
            refs.add(ArtifactRef.newBuilder().setBucket("cdiff").setKey("tenants/" + tenant + "/images/" + sha + ".png")
                    .setSha256(sha).setSizeBytes(100).setMediaType("image/png").build());
        }
        ConceptSpec concept = ConceptSpec.newBuilder().setConceptId("c1").setConceptName("rex")
                .setModifierToken("<new1>").setClassWord("dog").setInitializerWord("ktn").setImages(refs)
                .setCaptions(List.of("photo of a <new1> dog")).setRegularizationImages(List.of())
                .setRegularizationCaptions(List.of()).build();
        TrainingOptions options = TrainingOptions.newBuilder().setSteps(steps).setBatchSize(batch)
                .setLearningRate(1e-3).setPriorLossWeight(1.0).setResolution(resolution).setSeed(7)
                .setProgressEverySteps(1).setCheckpointEverySteps(5).build();
        return TrainingRequested.newBuilder().setEventId("ev-1").setTenantId(tenant).setJobId("job-1")
                .setOccurredAt(Instant.EPOCH).setBaseModel("tiny-sd").setBaseModelDigest("")
                .setConcepts(List.of(concept)).setOptions(options).build();
    }

    static JobRejected refused(TrainingRequested request, Quotas quotas) {
        JobRejected e = assertThrows(JobRejected.class, () -> TrainingPlan.check(request, OWNERSHIP, quotas));
        assertEquals("QuotaExceeded", e.code());
        return e;
    }

    @Test
    void stepsOverTheCapAreRefusedByTheWorker() {
        assertEquals("quota exceeded for tenant acme: training steps 2001 is over the limit of 2000"
                + " (quota.acme.maxSteps)", refused(request("acme", 2001, 2, 64, 3), Quotas.defaults()).getMessage());
    }

    @Test
    void resolutionOverTheCapIsRefusedByTheWorker() {
        assertEquals("quota exceeded for tenant acme: resolution 769 is over the limit of 768"
                + " (quota.acme.maxResolution)", refused(request("acme", 10, 2, 769, 3), Quotas.defaults()).getMessage());
    }

    @Test
    void batchSizeOverTheCapIsRefusedByTheWorker() {
        assertEquals("quota exceeded for tenant acme: batch size 10 is over the limit of 8 (quota.acme.maxBatchSize)",
                refused(request("acme", 10, 10, 64, 3), Quotas.defaults()).getMessage());
    }

    @Test
    void moreImagesThanTheCapAreRefusedByTheWorker() {
        assertEquals("quota exceeded for tenant acme: images per concept 4 is over the limit of 3"
                        + " (quota.acme.maxImagesPerConcept)",
                refused(request("acme", 10, 2, 64, 4), Quotas.fromMap(Map.of("quota.maxImagesPerConcept", "3")))
                        .getMessage());
    }

    @Test
    void aTenantOverrideRaisesTheCapForThatTenantOnly() {
        Quotas quotas = Quotas.fromMap(Map.of("QUOTA_BIG_CO_MAXSTEPS", "5000"));
        assertDoesNotThrow(() -> TrainingPlan.check(request("big-co", 5000, 2, 64, 3), OWNERSHIP, quotas));
        refused(request("acme", 5000, 2, 64, 3), quotas);
    }
}

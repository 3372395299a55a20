package dev.cdiff.platform.ids;

import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.IngestionRequested;
import dev.cdiff.schemas.events.MergeRequested;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingRequested;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventIdsTest {
    private static final String SHA = "0123456789abcdef".repeat(4);

    static ArtifactRef ref(String key, String sha) {
        return ArtifactRef.newBuilder().setBucket("cdiff-artifacts").setKey(key).setSha256(sha).setSizeBytes(1)
                .setMediaType("application/vnd.safetensors").build();
    }

    static MergeRequested merge(String tenant, String job, ArtifactRef... deltas) {
        return MergeRequested.newBuilder().setEventId("e-1").setTenantId(tenant).setJobId(job)
                .setOccurredAt(Instant.now()).setDeltas(List.of(deltas)).setRegularizationCaptions(10)
                .setOutputName("x").build();
    }

    @Test
    void aWellFormedEventPasses() {
        MergeRequested ok = merge("local", "job-1", ref("tenants/local/deltas/" + SHA + ".safetensors", SHA));
        assertSame(ok, EventIds.check(ok));
    }

    @Test
    void envelopeIdsAreChecked() {
        InvalidIdException tenant = assertThrows(InvalidIdException.class,
                () -> EventIds.check(merge("../../tmp", "job-1")));
        assertEquals("MergeRequested.tenantId", tenant.field());
        InvalidIdException job = assertThrows(InvalidIdException.class,
                () -> EventIds.check(merge("local", "../../../canary")));
        assertEquals("MergeRequested.jobId", job.field());
        MergeRequested badCause = merge("local", "job-1");
        badCause.setCausationId("x/y");
        assertEquals("MergeRequested.causationId",
                assertThrows(InvalidIdException.class, () -> EventIds.check(badCause)).field());
    }

    @Test
    void nestedArtifactKeysAreCheckedWhereverTheySit() {
        InvalidIdException e = assertThrows(InvalidIdException.class, () -> EventIds.check(merge("local", "job-1",
                ref("tenants/local/deltas/" + SHA + ".safetensors", SHA),
                ref("tenants/local/../other/deltas/" + SHA + ".safetensors", SHA))));
        assertEquals("MergeRequested.deltas[1].key", e.field());
        assertTrue(e.getMessage().contains("tenants/local/../other"), e.getMessage());
    }

    @Test
    void anArtifactRefMustBeTheContentAddressOfItsDigest() {
        String other = "f".repeat(64);
        InvalidIdException e = assertThrows(InvalidIdException.class, () -> EventIds.check(merge("local", "job-1",
                ref("tenants/local/deltas/" + SHA + ".safetensors", other))));
        assertEquals("MergeRequested.deltas[0].key", e.field());
    }

    @Test
    void ingestionSourcesAndDeepTrainingRefsAreChecked() {
        IngestionRequested ingest = IngestionRequested.newBuilder().setEventId("e").setTenantId("local")
                .setJobId("j").setOccurredAt(Instant.now()).setConceptName("dog").setClassWord("dog")
                .setSourceBucket("cdiff-artifacts").setSourceKeys(List.of("tenants/local/up/a.png", "/etc/passwd"))
                .setCaptions(List.of()).build();
        assertEquals("IngestionRequested.sourceKeys[1]",
                assertThrows(InvalidIdException.class, () -> EventIds.check(ingest)).field());
        ingest.setSourceKeys(List.of("tenants/local/up/a.png"));
        ingest.setSourceBucket("Other_Bucket");
        assertEquals("IngestionRequested.sourceBucket",
                assertThrows(InvalidIdException.class, () -> EventIds.check(ingest)).field());

        ConceptSpec spec = ConceptSpec.newBuilder().setConceptId(SHA).setConceptName("dog").setModifierToken("<new1>")
                .setClassWord("dog").setInitializerWord("ktn")
                .setImages(List.of(ref("tenants/local/images/" + SHA + ".png", SHA)))
                .setCaptions(List.of("a <new1> dog"))
                .setRegularizationImages(List.of(ref("shared/class-images/" + SHA + ".png", SHA),
                        ref("shared/class-images/../../tenants/other/" + SHA + ".png", SHA)))
                .setRegularizationCaptions(List.of("a dog", "a dog")).build();
        TrainingRequested training = TrainingRequested.newBuilder().setEventId("e").setTenantId("local")
                .setJobId("j").setOccurredAt(Instant.now()).setBaseModel("m").setBaseModelDigest("")
                .setConcepts(List.of(spec)).setOptions(TrainingOptions.newBuilder().setSteps(1).setBatchSize(2)
                        .setLearningRate(1e-5).setPriorLossWeight(1).setResolution(32).setSeed(1).build()).build();
        assertEquals("TrainingRequested.concepts[0].regularizationImages[1].key",
                assertThrows(InvalidIdException.class, () -> EventIds.check(training)).field());
        spec.setRegularizationImages(List.of(ref("shared/class-images/" + SHA + ".png", SHA)));
        spec.setRegularizationCaptions(List.of("a dog"));
        EventIds.check(training);
        // a modifier token is a word of prompts and of the tokenizer: only the <newN> grammar passes, wherever it sits
        spec.setModifierToken("<new1> a photo of");
        assertEquals("TrainingRequested.concepts[0].modifierToken",
                assertThrows(InvalidIdException.class, () -> EventIds.check(training)).field());
        spec.setModifierToken("<new2>");
        EventIds.check(training);
        training.setBaseModelDigest("not-a-digest");
        assertEquals("TrainingRequested.baseModelDigest",
                assertThrows(InvalidIdException.class, () -> EventIds.check(training)).field());
    }
}

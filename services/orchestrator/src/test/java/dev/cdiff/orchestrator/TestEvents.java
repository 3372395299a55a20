package dev.cdiff.orchestrator;

import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.IngestionRequested;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.MergeCompleted;
import dev.cdiff.schemas.events.MergeRequested;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.SamplesGenerated;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingFailed;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingProgress;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Input events as the other services would publish them, for one tenant's job. */
final class TestEvents {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    final String tenantId;
    final String jobId;

    TestEvents(String tenantId, String jobId) {
        this.tenantId = tenantId;
        this.jobId = jobId;
    }

    static ArtifactRef artifact(String key, String sha, String mediaType) {
        return ArtifactRef.newBuilder().setBucket("cdiff").setKey(key).setSha256(sha).setSizeBytes(1000 + key.length())
                .setMediaType(mediaType).build();
    }

    List<ArtifactRef> images(int count) {
        List<ArtifactRef> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            images.add(artifact("tenants/" + tenantId + "/images/sha" + i + ".png", "sha" + i, "image/png"));
        }
        return images;
    }

    ConceptSubmitted submitted(String eventId, List<String> captions, TrainingOptions options) {
        return ConceptSubmitted.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0).setCausationId(null).setConceptId("concept-" + jobId).setConceptName("my-dog")
                .setClassWord("dog").setInitializerWord("ktn").setImages(images(3)).setCaptions(captions)
                .setSource("http").setTraining(options).build();
    }

    IngestionRequested ingestionRequested(String eventId) {
        return IngestionRequested.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.minusSeconds(30)).setConceptName("my-dog").setClassWord("dog")
                .setSourceBucket("uploads").setSourceKeys(List.of("a.png", "b.png", "c.png", "d.png"))
                .setCaptions(List.of()).build();
    }

    ConceptRejected rejected(String eventId) {
        return ConceptRejected.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0).setReasonCode("TOO_FEW_IMAGES").setReason("only 2 images; at least 4 are needed")
                .setOffendingItems(List.of("a.png", "b.png")).build();
    }

    RegularizationReady regularizationReady(String eventId, String causationId) {
        return RegularizationReady.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(5)).setCausationId(causationId).setConceptId("concept-" + jobId)
                .setClassPrompt("photo of a dog")
                .setImages(List.of(artifact("shared/reg/dog/r1.png", "r1", "image/png"),
                        artifact("shared/reg/dog/r2.png", "r2", "image/png")))
                .setCaptions(List.of("a dog in a park", "a small dog")).setOrigin("RETRIEVED")
                .setClassSetDigest("classset-digest").build();
    }

    TrainingProgress progress(String eventId, int step, double loss) {
        return TrainingProgress.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(10 + step)).setStep(step).setTotalSteps(250).setLoss(loss)
                .setElapsedMillis(step * 100L).setCheckpoint(step % 50 == 0
                        ? artifact("tenants/" + tenantId + "/checkpoints/c" + step, "c" + step, "application/octet-stream")
                        : null)
                .build();
    }

    TrainingCompleted trainingCompleted(String eventId, String causationId) {
        return TrainingCompleted.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(400)).setCausationId(causationId)
                .setDelta(artifact("tenants/" + tenantId + "/deltas/d1.safetensors", "d1", "application/vnd.safetensors"))
                .setTokens(List.of("<new1>")).setClassWords(List.of("dog")).setSteps(250).setFinalLoss(0.123)
                .setDurationMillis(390_000L).build();
    }

    TrainingFailed trainingFailed(String eventId) {
        return TrainingFailed.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(60)).setReason("out of memory at step 40")
                .setErrorClass("java.lang.OutOfMemoryError").setStep(40).setRetryable(true).build();
    }

    SamplesGenerated samplesGenerated(String eventId, String causationId) {
        return SamplesGenerated.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(500)).setCausationId(causationId)
                .setImages(List.of(artifact("tenants/" + tenantId + "/samples/s1.png", "s1", "image/png"),
                        artifact("tenants/" + tenantId + "/samples/s2.png", "s2", "image/png")))
                .setPrompts(List.of("photo of a <new1> dog", "a <new1> dog on the beach")).setSeed(7L)
                .setDurationMillis(20_000L).build();
    }

    SampleRequested sampleRequested(String eventId) {
        return SampleRequested.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0).setDelta(null).setPrompts(List.of("photo of a cat")).setNegativePrompt("")
                .setSteps(20).setGuidanceScale(6.0).setScheduler("ddim").setSeed(42L).setImagesPerPrompt(1).build();
    }

    MergeRequested mergeRequested(String eventId) {
        return MergeRequested.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0)
                .setDeltas(List.of(artifact("tenants/t/deltas/a", "da", "application/vnd.safetensors"),
                        artifact("tenants/t/deltas/b", "db", "application/vnd.safetensors")))
                .setRegularizationCaptions(1000).setOutputName("dog+cat").build();
    }

    MergeCompleted mergeCompleted(String eventId, String causationId) {
        return MergeCompleted.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(30)).setCausationId(causationId)
                .setMerged(artifact("tenants/t/deltas/merged", "dm", "application/vnd.safetensors"))
                .setTokens(List.of("<new1>", "<new2>")).setClassWords(List.of("dog", "cat"))
                .setSourceDigests(List.of("da", "db")).setDurationMillis(1500L).build();
    }

    JobFailed jobFailed(String eventId, String stage) {
        return JobFailed.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(20)).setStage(stage).setReason("no images for class dog")
                .setErrorClass("RETRIEVAL_EMPTY").build();
    }
}

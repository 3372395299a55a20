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

    /** A stand-in digest: the SHA-256 of {@code name}, so each named artifact has its own valid digest. */
    static String sha(String name) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A content-addressed reference, as the artifact store writes it: {@code <area>/<sha256 of name><ext>}. */
    static ArtifactRef artifact(String area, String name, String extension, String mediaType) {
        String key = area + sha(name) + extension;
        return ArtifactRef.newBuilder().setBucket("cdiff").setKey(key).setSha256(sha(name))
                .setSizeBytes(1000 + name.length()).setMediaType(mediaType).build();
    }

    List<ArtifactRef> images(int count) {
        List<ArtifactRef> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            images.add(artifact("tenants/" + tenantId + "/images/", "img" + i, ".png", "image/png"));
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
                .setSourceBucket("cdiff").setSourceKeys(List.of("tenants/" + tenantId + "/uploads/a.png",
                        "tenants/" + tenantId + "/uploads/b.png", "tenants/" + tenantId + "/uploads/c.png",
                        "tenants/" + tenantId + "/uploads/d.png"))
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
                .setImages(List.of(artifact("shared/class-images/", "r1", ".png", "image/png"),
                        artifact("shared/class-images/", "r2", ".png", "image/png")))
                .setCaptions(List.of("a dog in a park", "a small dog")).setOrigin("RETRIEVED")
                .setClassSetDigest(sha("classset")).build();
    }

    TrainingProgress progress(String eventId, int step, double loss) {
        return TrainingProgress.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(10 + step)).setStep(step).setTotalSteps(250).setLoss(loss)
                .setElapsedMillis(step * 100L).setCheckpoint(step % 50 == 0
                        ? artifact("tenants/" + tenantId + "/jobs/" + jobId + "/checkpoints/", "c" + step, ".safetensors",
                        "application/octet-stream")
                        : null)
                .build();
    }

    TrainingCompleted trainingCompleted(String eventId, String causationId) {
        return TrainingCompleted.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(400)).setCausationId(causationId)
                .setDelta(artifact("tenants/" + tenantId + "/deltas/", "d1", ".safetensors", "application/vnd.safetensors"))
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
                .setImages(List.of(artifact("tenants/" + tenantId + "/samples/", "s1", ".png", "image/png"),
                        artifact("tenants/" + tenantId + "/samples/", "s2", ".png", "image/png")))
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
                .setDeltas(List.of(artifact("tenants/" + tenantId + "/deltas/", "da", ".safetensors", "application/vnd.safetensors"),
                        artifact("tenants/" + tenantId + "/deltas/", "db", ".safetensors", "application/vnd.safetensors")))
                .setRegularizationCaptions(1000).setOutputName("dog+cat")
                .setClassSetDigests(List.of(sha("classset"))).build();
    }

    MergeCompleted mergeCompleted(String eventId, String causationId) {
        return MergeCompleted.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(30)).setCausationId(causationId)
                .setMerged(artifact("tenants/" + tenantId + "/deltas/", "dm", ".safetensors", "application/vnd.safetensors"))
                .setTokens(List.of("<new1>", "<new2>")).setClassWords(List.of("dog", "cat"))
                .setSourceDigests(List.of(sha("da"), sha("db"))).setDurationMillis(1500L)
                .setRegularizationCaptionSet(artifact("tenants/" + tenantId + "/merge-captions/", "mc", ".txt",
                        "text/plain"))
                .setRegularizationCaptionSource("retrieval-corpus").setRegularizationCaptionCount(1002)
                .setDiagnostics(artifact("tenants/" + tenantId + "/merge-diagnostics/", "md", ".json",
                        "application/json")).build();
    }

    JobFailed jobFailed(String eventId, String stage) {
        return JobFailed.newBuilder().setEventId(eventId).setTenantId(tenantId).setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(20)).setStage(stage).setReason("no images for class dog")
                .setErrorClass("RETRIEVAL_EMPTY").build();
    }
}

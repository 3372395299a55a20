package dev.cdiff.embedded.registry;

import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingProgress;
import org.apache.avro.Schema;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Sample events and schema variants for the registry and serde tests. */
final class TestEvents {
    static final Instant T0 = Instant.parse("2026-11-25T12:00:00.123Z");

    private TestEvents() {
    }

    static JobFailed jobFailed(String jobId, String reason) {
        return JobFailed.newBuilder().setEventId("ev-" + jobId).setTenantId("acme").setJobId(jobId)
                .setOccurredAt(T0).setCausationId(null).setStage("training").setReason(reason)
                .setErrorClass("java.lang.IllegalStateException").build();
    }

    static ArtifactRef artifact(String sha) {
        return ArtifactRef.newBuilder().setBucket("cdiff").setKey("tenants/acme/ckpt/" + sha).setSha256(sha)
                .setSizeBytes(1234L).setMediaType("application/vnd.safetensors").build();
    }

    static TrainingProgress progress(String jobId, int step) {
        return TrainingProgress.newBuilder().setEventId("p-" + jobId + "-" + step).setTenantId("acme").setJobId(jobId)
                .setOccurredAt(T0.plusSeconds(step)).setCausationId("ev-start").setStep(step).setTotalSteps(250)
                .setLoss(0.125 / step).setElapsedMillis(1000L * step)
                .setCheckpoint(step % 2 == 0 ? artifact("ab".repeat(32)) : null).build();
    }

    static TrainingCompleted completed(String jobId) {
        return TrainingCompleted.newBuilder().setEventId("c-" + jobId).setTenantId("acme").setJobId(jobId)
                .setOccurredAt(T0).setCausationId("ev-x").setDelta(artifact("cd".repeat(32)))
                .setTokens(List.of("<new1>", "<new2>")).setClassWords(List.of("dog", "cat")).setSteps(500)
                .setFinalLoss(0.0625).setDurationMillis(42_000L).build();
    }

    /** The v1 schema with one more field that has a default: BACKWARD and FORWARD compatible. */
    static Schema withExtraField(Schema v1, String name, Schema type, Object defaultValue) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : v1.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field(name, type, "added in v2", defaultValue));
        return Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
    }

    /** v1 plus a field the old data cannot fill: breaks BACKWARD. */
    static Schema withRequiredField(Schema v1, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : v1.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field(name, Schema.create(Schema.Type.INT), "no default", (Object) null));
        return Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
    }
}

package dev.cdiff.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.store.ArtifactKeys;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.StoredArtifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Resumable checkpoints of a job in S3: content-addressed files under
 * {@code tenants/<t>/jobs/<job>/checkpoints/<sha256>.safetensors} and a pointer {@code .../checkpoints/latest.json}
 * naming the newest one with its step and the run it belongs to. The run key guards against resuming a checkpoint
 * of a different request made under the same job id.
 */
final class CheckpointStore {
    static final String MEDIA_TYPE = "application/vnd.cdiff.checkpoint+safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    record Pointer(String runKey, int step, String bucket, String key, String sha256, long sizeBytes) {
        StoredArtifact artifact() {
            return new StoredArtifact(bucket, key, sha256, sizeBytes, MEDIA_TYPE);
        }
    }

    private final ArtifactStore store;

    CheckpointStore(ArtifactStore store) {
        this.store = store;
    }

    static String kind(String jobId) {
        return "jobs/" + ArtifactKeys.segment("job id", jobId) + "/checkpoints";
    }

    static String pointerKey(String tenant, String jobId) {
        return ArtifactKeys.tenantPrefix(tenant) + kind(jobId) + "/latest.json";
    }

    /** The newest checkpoint of this run, if any. */
    Optional<Pointer> latest(String tenant, String jobId, String runKey) {
        String key = pointerKey(tenant, jobId);
        if (!store.exists(key)) {
            return Optional.empty();
        }
        try {
            Pointer p = JSON.readValue(store.getBytes(key), Pointer.class);
            return runKey.equals(p.runKey()) ? Optional.of(p) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint pointer " + key + " is not valid JSON", e);
        }
    }

    /** Uploads the checkpoint file, then moves the pointer to it (so the pointer never names a missing file). */
    StoredArtifact save(String tenant, String jobId, String runKey, int step, Path file) {
        StoredArtifact stored = store.put(tenant, kind(jobId), file, "safetensors", MEDIA_TYPE);
        Pointer p = new Pointer(runKey, step, stored.bucket(), stored.key(), stored.sha256(), stored.sizeBytes());
        try {
            store.putAt(pointerKey(tenant, jobId), JSON.writeValueAsBytes(p), "application/json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return stored;
    }

    Path download(Pointer pointer, Path target) {
        return store.download(pointer.key(), target);
    }
}

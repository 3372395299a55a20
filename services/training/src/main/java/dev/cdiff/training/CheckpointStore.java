package dev.cdiff.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.store.ArtifactKeys;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.StoredArtifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
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

    /**
     * @param recentLosses the losses of the steps before this checkpoint that the final loss averages over: a
     *                     resumed run reports the same final loss as an uninterrupted one
     */
    record Pointer(String runKey, int step, String bucket, String key, String sha256, long sizeBytes,
                   List<Float> recentLosses) {
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
    StoredArtifact save(String tenant, String jobId, String runKey, int step, Path file, List<Float> recentLosses) {
        StoredArtifact stored = store.put(tenant, kind(jobId), file, "safetensors", MEDIA_TYPE);
        Pointer p = new Pointer(runKey, step, stored.bucket(), stored.key(), stored.sha256(), stored.sizeBytes(),
                List.copyOf(recentLosses));
        try {
            store.putAt(pointerKey(tenant, jobId), JSON.writeValueAsBytes(p), "application/json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return stored;
    }

    static String completedKey(String tenant, String jobId) {
        return ArtifactKeys.tenantPrefix(tenant) + kind(jobId) + "/completed.json";
    }

    /** The outcome of a finished run, if this run already finished (a redelivered request then only republishes). */
    Optional<TrainingResult> completed(String tenant, String jobId, String runKey) {
        String key = completedKey(tenant, jobId);
        if (!store.exists(key)) {
            return Optional.empty();
        }
        try {
            Completed c = JSON.readValue(store.getBytes(key), Completed.class);
            return runKey.equals(c.runKey()) ? Optional.of(c.result()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("completion record " + key + " is not valid JSON", e);
        }
    }

    void markCompleted(String tenant, String jobId, String runKey, TrainingResult result) {
        try {
            store.putAt(completedKey(tenant, jobId), JSON.writeValueAsBytes(new Completed(runKey, result)),
                    "application/json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Completed(String runKey, TrainingResult result) {
    }

    Path download(Pointer pointer, Path target) {
        return store.download(pointer.key(), target);
    }
}

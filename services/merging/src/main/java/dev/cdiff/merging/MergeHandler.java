package dev.cdiff.merging;

import dev.cdiff.platform.kafka.EventPublisher;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.merge.ClosedFormMerge;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.merge.RegularizationCaptions;
import dev.cdiff.diffusion.training.TokenInfo;
import dev.cdiff.diffusion.training.TrainingModels;
import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.store.ArtifactNotFoundException;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.StoredArtifact;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.MergeCompleted;
import dev.cdiff.schemas.events.MergeRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * MergeRequested -> closed-form merge of the tenant's deltas on a freshly loaded base model -> merged delta in S3 ->
 * MergeCompleted; or JobFailed (stage merging) naming the delta that is foreign, from another base model or unreadable.
 */
final class MergeHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MergeHandler.class);
    static final String DELTA_MEDIA_TYPE = "application/vnd.safetensors";
    static final int MAX_CAPTIONS = 20_000;

    private final Path baseModelDir;
    private final String baseModelDigest;
    private final ArtifactStore store;
    private final EventPublisher publisher;
    private final Path workDir;

    MergeHandler(Path baseModelDir, String baseModelDigest, ArtifactStore store, EventPublisher publisher,
                 Path workDir) {
        this.baseModelDir = baseModelDir;
        this.baseModelDigest = baseModelDigest;
        this.store = store;
        this.publisher = publisher;
        this.workDir = workDir;
    }

    void handle(InboundEvent<MergeRequested> inbound) throws IOException {
        MergeRequested request = inbound.value();
        long start = System.currentTimeMillis();
        Path dir = Files.createDirectories(workDir.resolve(request.getTenantId() + "-" + request.getJobId()));
        StoredArtifact merged;
        ClosedFormMerge.Result result;
        try {
            List<Delta> deltas = load(request, dir);
            int captions = request.getRegularizationCaptions();
            if (captions < 1 || captions > MAX_CAPTIONS) {
                throw new MergeRejected("INVALID_REQUEST", "regularizationCaptions must be 1.." + MAX_CAPTIONS
                        + ", got " + captions);
            }
            ClosedFormMerge.Options options = ClosedFormMerge.Options.defaults()
                    .withCaptions(RegularizationCaptions.generated(captions, 0));
            try (NDManager manager = NDManager.newBaseManager();
                 TrainingModels models = TrainingModels.load(baseModelDir, manager)) {
                result = ClosedFormMerge.merge(deltas, models, options);
            } catch (IllegalArgumentException e) {
                throw new MergeRejected("INVALID_DELTA", e.getMessage(), e);
            }
            Path file = dir.resolve("merged.safetensors");
            Delta output = result.merged();
            output = new Delta(output.layers(), output.tokenEmbeddings(),
                    output.metadata().withExtra("name", request.getOutputName()));
            output.write(file);
            merged = store.put(request.getTenantId(), "deltas", file, "safetensors", DELTA_MEDIA_TYPE);
        } catch (MergeRejected e) {
            LOG.warn("job {}: merge rejected ({}): {}", request.getJobId(), e.code(), e.getMessage());
            publisher.publish(request.getJobId(), JobFailed.newBuilder()
                    .setEventId(EventPublisher.derivedEventId(request.getEventId(), "JobFailed"))
                    .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                    .setCausationId(request.getEventId()).setStage("merging").setReason(e.getMessage())
                    .setErrorClass(e.code()).build());
            return;
        } finally {
            deleteTree(dir);
        }
        List<String> tokens = result.merged().metadata().tokens().stream().map(TokenInfo::token).toList();
        List<String> classWords = result.merged().metadata().tokens().stream().map(TokenInfo::classWord).toList();
        publisher.publish(request.getJobId(), MergeCompleted.newBuilder()
                .setEventId(EventPublisher.derivedEventId(request.getEventId(), "MergeCompleted"))
                .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                .setCausationId(request.getEventId()).setMerged(merged.toRef()).setTokens(tokens)
                .setClassWords(classWords)
                .setSourceDigests(request.getDeltas().stream().map(ArtifactRef::getSha256).toList())
                .setDurationMillis(System.currentTimeMillis() - start).build());
        LOG.info("job {}: merged {} deltas into {} (max constraint error {})", request.getJobId(),
                request.getDeltas().size(), merged.key(), result.report().maxConstraintError());
    }

    /** Reads every named delta, refusing any that is not the tenant's or not trained on this base model. */
    private List<Delta> load(MergeRequested request, Path dir) throws IOException {
        if (request.getDeltas().size() < 2) {
            throw new MergeRejected("INVALID_REQUEST", "a merge needs at least two deltas, got "
                    + request.getDeltas().size());
        }
        String prefix = "tenants/" + request.getTenantId() + "/";
        List<Delta> deltas = new ArrayList<>();
        for (int i = 0; i < request.getDeltas().size(); i++) {
            ArtifactRef ref = request.getDeltas().get(i);
            if (!ref.getKey().startsWith(prefix)) {
                throw new MergeRejected("FOREIGN_ARTIFACT", "delta " + (i + 1) + " (" + ref.getKey()
                        + ") does not belong to tenant " + request.getTenantId());
            }
            Path file = dir.resolve("delta-" + i + ".safetensors");
            try {
                Files.write(file, store.getVerified(StoredArtifact.fromRef(ref)));
            } catch (ArtifactNotFoundException e) {
                throw new MergeRejected("ARTIFACT_NOT_FOUND", "delta " + (i + 1) + " (" + ref.getKey()
                        + ") does not exist", e);
            }
            Delta delta;
            try {
                delta = Delta.read(file);
            } catch (RuntimeException e) {
                throw new MergeRejected("INVALID_DELTA", "delta " + (i + 1) + " (" + ref.getKey()
                        + ") is not a readable delta: " + e.getMessage(), e);
            }
            String digest = delta.metadata().baseModelDigest();
            if (!digest.equals(baseModelDigest)) {
                throw new MergeRejected("BASE_MODEL_MISMATCH", "delta " + (i + 1) + " (" + ref.getKey()
                        + ") was trained on base model " + (digest.isEmpty() ? "(unrecorded)" : digest)
                        + " but this merger has " + baseModelDigest);
            }
            deltas.add(delta);
        }
        return deltas;
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // scratch folder
        }
    }
}

package dev.cdiff.merging;

import dev.cdiff.diffusion.backend.ComputeDevice;
import dev.cdiff.platform.kafka.EventPublisher;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.merge.ClosedFormMerge;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;
import dev.cdiff.diffusion.merge.MergeDiagnostics;
import dev.cdiff.diffusion.training.TokenInfo;
import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.store.ArtifactRefused;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.StoredArtifact;
import dev.cdiff.platform.store.TenantArtifactReader;
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
import java.util.Map;

/**
 * MergeRequested -> regularization captions from the retrieval corpus ({@link CorpusCaptionPicker}) -> closed-form
 * merge of the tenant's deltas on the base model's K/V weights and a freshly loaded text encoder -> merged delta,
 * caption list and diagnostics in S3 -> MergeCompleted naming all three; or JobFailed (stage merging) naming the
 * delta that is foreign, from another base model or unreadable.
 */
final class MergeHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MergeHandler.class);
    private static final io.micrometer.core.instrument.Timer DURATION = io.micrometer.core.instrument.Timer
            .builder("cdiff.merge.duration").description("Time from a merge request to its stored merged delta")
            .register(dev.cdiff.platform.metrics.ServiceMetrics.registry());
    static final String DELTA_MEDIA_TYPE = "application/vnd.safetensors";
    static final String CAPTIONS_KIND = "merge-captions";
    static final String DIAGNOSTICS_KIND = "merge-diagnostics";
    static final int MAX_CAPTIONS = 20_000;

    private final ModelFolder baseModel;
    private final String baseModelDigest;
    private final Map<String, float[]> baseKv;
    private final ArtifactStore store;
    private final EventPublisher publisher;
    private final TenantArtifactReader deltas;
    private final Path workDir;
    private final StoredGramCache gramCache;
    private final CorpusCaptionPicker captionPicker;

    /** @param baseKv the base model's cross-attention K/V weights, read but never changed by a merge */
    MergeHandler(ModelFolder baseModel, String baseModelDigest, Map<String, float[]> baseKv, ArtifactStore store,
                 EventPublisher publisher, Path workDir, CorpusCaptionPicker captionPicker) {
        this.baseModel = baseModel;
        this.baseModelDigest = baseModelDigest;
        this.baseKv = Map.copyOf(baseKv);
        this.store = store;
        this.publisher = publisher;
        this.deltas = new TenantArtifactReader(store, workDir);
        this.workDir = workDir;
        this.gramCache = new StoredGramCache(store, workDir);
        this.captionPicker = captionPicker;
    }

    void handle(InboundEvent<MergeRequested> inbound) throws IOException {
        MergeRequested request = inbound.value();
        long start = System.currentTimeMillis();
        // a random name under the work dir: nothing from the request becomes part of a path
        Path file = Files.createTempFile(Files.createDirectories(workDir), "merged-", ".safetensors");
        StoredArtifact merged;
        StoredArtifact captionArtifact;
        StoredArtifact diagnosticsArtifact;
        MergeCaptionSet captionSet;
        ClosedFormMerge.Result result;
        try {
            List<Delta> deltas = load(request);
            int captions = request.getRegularizationCaptions();
            if (captions < 1 || captions > MAX_CAPTIONS) {
                throw new MergeRejected("INVALID_REQUEST", "regularizationCaptions must be 1.." + MAX_CAPTIONS
                        + ", got " + captions);
            }
            captionSet = captionPicker.pick(request.getClassSetDigests(), captions);
            // the Gram cache key digests this exact list, so a new caption set never meets a stale matrix
            ClosedFormMerge.Options options = ClosedFormMerge.Options.defaults()
                    .withCaptions(captionSet.captions()).withGramCache(gramCache);
            // no UNet or VAE: the merge reads the base K/V weights, loaded once by the service, and a tokenizer and
            // text encoder loaded afresh, because it adds the merged tokens to them
            try (NDManager manager = ComputeDevice.newManager();
                 ClipTextEncoder textEncoder = ClipTextEncoder.load(baseModel.textEncoderDir(), manager)) {
                result = ClosedFormMerge.merge(deltas, ClipTokenizer.load(baseModel.tokenizerDir()), textEncoder,
                        baseKv, baseModelDigest, options);
            } catch (IllegalArgumentException e) {
                throw new MergeRejected("INVALID_DELTA", e.getMessage(), e);
            }
            Delta output = result.merged();
            captionArtifact = store.put(request.getTenantId(), CAPTIONS_KIND, captionSet.toText(), "txt",
                    "text/plain");
            output = new Delta(output.layers(), output.tokenEmbeddings(),
                    output.metadata().withExtra("name", request.getOutputName())
                            .withExtra("regularization_caption_source", captionSet.source())
                            .withExtra("regularization_caption_set", captionArtifact.sha256()));
            output.write(file);
            merged = store.put(request.getTenantId(), "deltas", file, "safetensors", DELTA_MEDIA_TYPE);
            diagnosticsArtifact = store.put(request.getTenantId(), DIAGNOSTICS_KIND, result.diagnostics().toJson(),
                    "json", "application/json");
        } catch (MergeRejected e) {
            LOG.warn("job {}: merge rejected ({}): {}", request.getJobId(), e.code(), e.getMessage());
            publisher.publish(request.getJobId(), JobFailed.newBuilder()
                    .setEventId(EventPublisher.derivedEventId(request.getEventId(), "JobFailed"))
                    .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                    .setCausationId(request.getEventId()).setStage("merging").setReason(e.getMessage())
                    .setErrorClass(e.code()).build());
            return;
        } finally {
            Files.deleteIfExists(file);
        }
        List<String> tokens = result.merged().metadata().tokens().stream().map(TokenInfo::token).toList();
        List<String> classWords = result.merged().metadata().tokens().stream().map(TokenInfo::classWord).toList();
        publisher.publish(request.getJobId(), MergeCompleted.newBuilder()
                .setEventId(EventPublisher.derivedEventId(request.getEventId(), "MergeCompleted"))
                .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                .setCausationId(request.getEventId()).setMerged(merged.toRef()).setTokens(tokens)
                .setClassWords(classWords)
                .setSourceDigests(request.getDeltas().stream().map(ArtifactRef::getSha256).toList())
                .setDurationMillis(System.currentTimeMillis() - start)
                .setRegularizationCaptionSet(captionArtifact.toRef())
                .setRegularizationCaptionSource(captionSet.source())
                .setRegularizationCaptionCount(captionSet.captions().size())
                .setDiagnostics(diagnosticsArtifact.toRef()).build());
        DURATION.record(System.currentTimeMillis() - start, java.util.concurrent.TimeUnit.MILLISECONDS);
        MergeDiagnostics diagnostics = result.diagnostics();
        LOG.info("job {}: merged {} deltas into {} with {} {} captions ({} from class sets{}); max constraint error {},"
                        + " max regularization drift {}", request.getJobId(), request.getDeltas().size(), merged.key(),
                captionSet.captions().size(), captionSet.source(), captionSet.classSetCaptions(),
                captionSet.why().isEmpty() ? "" : "; " + captionSet.why(), result.report().maxConstraintError(),
                diagnostics.maxRegularizationDrift());
        if (!captionSet.missingClassSets().isEmpty()) {
            LOG.warn("job {}: no stored class set answers {}; the merge used the corpus sample without them",
                    request.getJobId(), captionSet.missingClassSets());
        }
    }

    /** Reads every named delta, refusing any that is not the tenant's or not trained on this base model. */
    private List<Delta> load(MergeRequested request) {
        if (request.getDeltas().size() < 2) {
            throw new MergeRejected("INVALID_REQUEST", "a merge needs at least two deltas, got "
                    + request.getDeltas().size());
        }
        List<Delta> loaded = new ArrayList<>();
        for (int i = 0; i < request.getDeltas().size(); i++) {
            try {
                loaded.add(deltas.readForBaseModel(request.getTenantId(), request.getDeltas().get(i), "delta " + (i + 1),
                        Delta::read, d -> d.metadata().baseModelDigest(), baseModelDigest));
            } catch (ArtifactRefused e) {
                throw new MergeRejected(e.code(), e.getMessage(), e);
            }
        }
        return loaded;
    }
}

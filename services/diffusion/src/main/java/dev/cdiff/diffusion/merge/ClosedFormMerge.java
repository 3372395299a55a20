package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.backend.ComputeDevice;
import dev.cdiff.diffusion.backend.BackendFingerprint;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaKind;
import dev.cdiff.diffusion.delta.DeltaMetadata;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.diffusion.delta.Matrices;
import dev.cdiff.diffusion.training.TokenInfo;
import dev.cdiff.diffusion.training.TrainingModels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.text.AddedTokens;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;
import org.ejml.data.DMatrixRMaj;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Merges N single-concept deltas into one model by the paper's constrained optimisation (section 3.3, eq. 4) for
 * every cross-attention K/V layer, with {@link MergeProjector} doing the float64 algebra.
 *
 * <ul>
 *   <li>Tokens are renumbered {@code <new1>..<newN>} in delta order (a delta with several tokens takes several
 *       numbers) and added, with their learned rows, to the given tokenizer and text encoder.</li>
 *   <li>Target features C: for every token, the text features of {@code "<newK> class"} and
 *       {@code "photo of a <newK> class"}, keeping the tokens from {@code <newK>} through EOS, or for class words
 *       naming art or a style {@code "painting in the style of <newK> class"} with every token after BOS, as the
 *       authors' merge script does. Their values
 *       V = C W_n^T come from the token's own fine-tuned layer W_n.</li>
 *   <li>Regularization features C_reg: every token after BOS up to and including EOS of each caption (padding
 *       excluded).</li>
 * </ul>
 * After {@link #merge} the given models hold the merged result (new tokens and merged K/V), ready to sample. The
 * merged delta stores each layer's change exactly as its rank-m factors ({@link AllLayersMerge}), kind lowrank with
 * {@code lowrank_exact=true} in its metadata: nothing is truncated, unlike a compressed delta.
 */
public final class ClosedFormMerge {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClosedFormMerge() {
    }

    public record Options(List<String> regularizationCaptions, double ridgeFraction, RegularizationGram.Backend backend,
                          int captionBatch, GramCache gramCache) {
        public Options {
            gramCache = gramCache == null ? GramCache.NONE : gramCache;
            regularizationCaptions = List.copyOf(regularizationCaptions);
            if (regularizationCaptions.isEmpty()) {
                throw new IllegalArgumentException("the merge needs regularization captions");
            }
            if (captionBatch < 1) {
                throw new IllegalArgumentException("captionBatch must be >= 1");
            }
        }

        public static Options defaults() {
            return new Options(RegularizationCaptions.generated(RegularizationCaptions.DEFAULT_COUNT, 0),
                    MergeProjector.DEFAULT_RIDGE_FRACTION, RegularizationGram.Backend.FLOAT32, 32, GramCache.NONE);
        }

        public Options withCaptions(List<String> captions) {
            return new Options(captions, ridgeFraction, backend, captionBatch, gramCache);
        }

        public Options withGramCache(GramCache cache) {
            return new Options(regularizationCaptions, ridgeFraction, backend, captionBatch, cache);
        }
    }

    /**
     * @param regularizationRows   token features that entered C_reg
     * @param targetRows           distinct target feature rows (after removing duplicates)
     * @param maxConstraintError   max |W C^T - V^T| over all layers (should be ~0)
     */
    public record Report(long regularizationRows, int targetRows, boolean usedPseudoInverse, double maxConstraintError,
                         long featureMillis, long solveMillis, boolean gramFromCache) {
    }

    /**
     * The cache key of a Gram matrix: a digest of everything it depends on (the base model's weights, the product
     * backend and the exact caption list), so a stale or foreign entry can never be found under it.
     */
    public static String gramKey(String baseModelDigest, RegularizationGram.Backend backend, List<String> captions) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(("cdiff-merge-gram-v1\n" + baseModelDigest + "\n" + backend.name() + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (String c : captions) {
                md.update(c.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @param diagnostics per-layer residuals, change and drift of this merge ({@link MergeDiagnostics}) */
    public record Result(Delta merged, Report report, MergeDiagnostics diagnostics) {
    }

    public static Result merge(List<Delta> deltas, TrainingModels models, Options options) {
        return merge(deltas, models.tokenizer(), models.textEncoder(), models.unet(), models.baseModelDigest(), options);
    }

    /** The merge, with the merged K/V weights installed into {@code unet}, ready to sample from. */
    public static Result merge(List<Delta> deltas, ClipTokenizer tokenizer, ClipTextEncoder textEncoder,
                               UNet2DConditionModel unet, String baseModelDigest, Options options) {
        Map<String, float[]> w0 = new TreeMap<>();
        unet.crossAttentionKv().forEach((k, v) -> w0.put(k, v.toFloatArray()));
        MergedWeights out = mergeOnto(deltas, tokenizer, textEncoder, w0, baseModelDigest, options);
        // installed as the sampler will apply the stored delta (LayerWeight.materialize), so the loaded model, the
        // diagnostics and a later sampling service all see the same float32 weights
        int d = textEncoder.hiddenSize();
        out.weights().forEach((key, w) ->
                unet.setParameter(key, unet.manager().create(w, new Shape(w.length / d, d))));
        return out.result();
    }

    /**
     * The merge on the base model's cross-attention K/V weights alone
     * ({@link UNet2DConditionModel#loadCrossAttentionKv}), for a caller that samples elsewhere and so needs no loaded
     * UNet (the merging service). The same result, bit for bit, as the merge on a loaded model.
     */
    public static Result merge(List<Delta> deltas, ClipTokenizer tokenizer, ClipTextEncoder textEncoder,
                               Map<String, float[]> baseKv, String baseModelDigest, Options options) {
        return mergeOnto(deltas, tokenizer, textEncoder, new TreeMap<>(baseKv), baseModelDigest, options).result();
    }

    /** A merge's result and its merged dense K/V weights by name. */
    private record MergedWeights(Result result, Map<String, float[]> weights) {
    }

    private static MergedWeights mergeOnto(List<Delta> deltas, ClipTokenizer tokenizer, ClipTextEncoder textEncoder,
                                           Map<String, float[]> w0, String baseModelDigest, Options options) {
        if (deltas.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge: no deltas given");
        }
        TreeSet<String> layerKeys = new TreeSet<>();
        for (int i = 0; i < deltas.size(); i++) {
            Delta d = deltas.get(i);
            String digest = d.metadata().baseModelDigest();
            if (!digest.isEmpty() && !digest.equals(baseModelDigest)) {
                throw new IllegalArgumentException("delta " + (i + 1) + " was trained on base model " + digest
                        + " but the base model given to the merge is " + baseModelDigest);
            }
            for (String k : d.layers().keySet()) {
                if (!w0.containsKey(k)) {
                    throw new IllegalArgumentException("delta " + (i + 1) + " changes " + k
                            + ", which is not a cross-attention K/V weight; only Custom Diffusion deltas can be merged");
                }
                layerKeys.add(k);
            }
        }
        // renumber tokens and install the learned rows
        List<TokenInfo> mergedTokens = new ArrayList<>();
        List<Integer> tokenDelta = new ArrayList<>();
        Map<String, float[]> mergedRows = new LinkedHashMap<>();
        List<AddedTokens.TokenRow> added = new ArrayList<>();
        for (int i = 0; i < deltas.size(); i++) {
            for (TokenInfo t : deltas.get(i).metadata().tokens()) {
                String renamed = "<new" + (mergedTokens.size() + 1) + ">";
                mergedTokens.add(t.withToken(renamed));
                tokenDelta.add(i);
                float[] row = deltas.get(i).tokenEmbeddings().get(t.token());
                mergedRows.put(renamed, row);
                added.add(new AddedTokens.TokenRow(renamed, row));
            }
        }
        if (mergedTokens.isEmpty()) {
            throw new IllegalArgumentException("the deltas carry no tokens, so there are no target phrases to preserve");
        }
        AddedTokens.add(tokenizer, textEncoder, added, "merge on a freshly loaded base model");

        long t0 = System.currentTimeMillis();
        int d = textEncoder.hiddenSize();
        List<String> captions = options.regularizationCaptions();
        String gramKey = gramKey(baseModelDigest, options.backend(), captions);
        java.util.Optional<RegularizationGram> cached = baseModelDigest.isEmpty() ? java.util.Optional.empty()
                : options.gramCache().find(gramKey).filter(g -> g.width() == d);
        RegularizationGram gram;
        if (cached.isPresent()) {
            gram = cached.get();
        } else {
            gram = new RegularizationGram(d, options.backend());
            for (int s = 0; s < captions.size(); s += options.captionBatch()) {
                List<String> chunk = captions.subList(s, Math.min(captions.size(), s + options.captionBatch()));
                float[] rows = features(tokenizer, textEncoder, chunk, null);
                gram.add(rows, rows.length / d);
            }
        }
        // target features per token (rows of the concept's phrases)
        List<float[]> targetChunks = new ArrayList<>();
        List<Integer> targetOwner = new ArrayList<>();
        for (int k = 0; k < mergedTokens.size(); k++) {
            TokenInfo t = mergedTokens.get(k);
            String phrase = t.classWord().isBlank() ? t.token() : t.token() + " " + t.classWord();
            float[] a = features(tokenizer, textEncoder, List.of(phrase), 0);
            float[] b;
            if (isStyle(t.classWord())) {
                // the reference drops only a leading "photo of a"; a style's framing words stay constrained, so the
                // merged layer answers "painting in the style of" as the style's own layer does
                b = features(tokenizer, textEncoder, List.of("painting in the style of " + phrase), 0);
            } else {
                String framing = "photo of a";
                b = features(tokenizer, textEncoder, List.of(framing + " " + phrase), tokenizer.tokenize(framing).size());
            }
            for (float[] f : new float[][] {a, b}) {
                targetChunks.add(f);
                for (int r = 0; r < f.length / d; r++) {
                    targetOwner.add(k);
                }
            }
        }
        int m = targetOwner.size();
        float[] cFlat = new float[m * d];
        int pos = 0;
        for (float[] f : targetChunks) {
            System.arraycopy(f, 0, cFlat, pos, f.length);
            pos += f.length;
        }
        DMatrixRMaj c = Matrices.fromFloats(cFlat, m, d);
        long t1 = System.currentTimeMillis();
        MergeProjector projector = MergeProjector.build(gram, c, options.ridgeFraction());
        if (cached.isEmpty() && !baseModelDigest.isEmpty()) {
            // stored after the solve, so the entry carries the inverse the solve computed and a warm merge skips it
            options.gramCache().store(gramKey, gram);
        }

        Map<String, LayerWeight> merged = new TreeMap<>();
        double maxErr = 0;
        List<Map<String, float[]>> materialized = new ArrayList<>();
        for (Delta delta : deltas) {
            materialized.add(delta.materialize(w0::get));
        }
        int[] targetSource = new int[m];
        for (int r = 0; r < m; r++) {
            targetSource[r] = tokenDelta.get(targetOwner.get(r));
        }
        List<float[]> baseLayers = new ArrayList<>();
        List<List<float[]>> tunedLayers = new ArrayList<>();
        for (String key : layerKeys) {
            float[] base = w0.get(key);
            List<float[]> perDelta = new ArrayList<>();
            for (Map<String, float[]> weights : materialized) {
                float[] own = weights.get(key);
                perDelta.add(own == null ? base : own);
            }
            baseLayers.add(base);
            tunedLayers.add(perDelta);
        }
        boolean check = !projector.usedPseudoInverse() && projector.targetRowsKept() > 0;
        AllLayersMerge.Output out = AllLayersMerge.merge(projector, baseLayers, tunedLayers, targetSource, check);
        if (check) {
            maxErr = out.maxConstraintError();
        }
        // stored as its exact factors W - W0 = E M (rank = the kept target rows, 16 for two concepts): at SD-1.5
        // shapes 24x smaller than the dense layers; a layer too narrow for factors to save space stays dense
        int rank = projector.targetRowsKept();
        int l = 0;
        for (String key : layerKeys) {
            float[] e = out.changes().get(l++);
            int rows = w0.get(key).length / d;
            LayerWeight.Factored f = new LayerWeight.Factored(rows, d, rank, e, out.projector());
            merged.put(key, (long) rank * (rows + d) < (long) rows * d ? f
                    : new LayerWeight.Full(rows, d, f.materialize(w0.get(key))));
        }
        long t2 = System.currentTimeMillis();
        // formed as the sampler will apply the stored delta (LayerWeight.materialize)
        Map<String, float[]> mergedWeights = new TreeMap<>();
        for (var e : merged.entrySet()) {
            mergedWeights.put(e.getKey(), e.getValue().materialize(w0.get(e.getKey())));
        }

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("method", "closed_form");
        cfg.put("regularization_captions", captions.size());
        cfg.put("regularization_rows", gram.rows());
        cfg.put("regularization_gram", gramKey);
        cfg.put("regularization_gram_backend", options.backend().name().toLowerCase(java.util.Locale.ROOT));
        cfg.put("ridge_fraction", options.ridgeFraction());
        cfg.put("target_rows", projector.targetRowsKept());
        ArrayNode sources = cfg.putArray("merged_from");
        for (Delta delta : deltas) {
            ObjectNode o = sources.addObject();
            o.put("kind", delta.kind().id());
            o.put("seed", delta.metadata().seed());
            ArrayNode toks = o.putArray("tokens");
            delta.metadata().tokens().forEach(t -> toks.add(t.token()));
        }
        boolean factored = merged.values().stream().anyMatch(w -> w instanceof LayerWeight.Factored);
        DeltaMetadata meta = DeltaMetadata.of(factored ? DeltaKind.LOWRANK : DeltaKind.FULL, baseModelDigest,
                        mergedTokens, cfg, 0)
                .withExtra("merged_concepts", Integer.toString(deltas.size()))
                .withBackend(BackendFingerprint.current().encode());
        if (factored) {
            long kept = 0;
            long total = 0;
            for (LayerWeight w : merged.values()) {
                kept += w instanceof LayerWeight.Factored f ? (long) f.rank() * (f.rows() + f.cols())
                        : (long) w.rows() * w.cols();
                total += (long) w.rows() * w.cols();
            }
            // exact: no truncation happened, unlike a compressed delta's rank
            meta = meta.withExtra("lowrank_exact", "true")
                    .withExtra("lowrank_max_rank", Integer.toString(projector.targetRowsKept()))
                    .withExtra("lowrank_parameter_fraction",
                            String.format(java.util.Locale.ROOT, "%.6f", (double) kept / total));
        }
        Report report = new Report(gram.rows(), projector.targetRowsKept(), projector.usedPseudoInverse(), maxErr,
                t1 - t0, t2 - t1, cached.isPresent());
        return new MergedWeights(new Result(new Delta(merged, mergedRows, meta), report, diagnose(deltas, mergedTokens,
                tokenDelta, w0, mergedWeights, materialized, d, c, targetOwner, gram)), mergedWeights);
    }

    private static MergeDiagnostics diagnose(List<Delta> deltas, List<TokenInfo> mergedTokens, List<Integer> tokenDelta,
                                             Map<String, float[]> w0, Map<String, float[]> mergedWeights,
                                             List<Map<String, float[]>> materialized, int d, DMatrixRMaj c,
                                             List<Integer> targetOwner, RegularizationGram gram) {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < deltas.size(); i++) {
            List<String> names = new ArrayList<>();
            for (int k = 0; k < mergedTokens.size(); k++) {
                if (tokenDelta.get(k) == i) {
                    TokenInfo t = mergedTokens.get(k);
                    names.add(t.classWord().isBlank() ? t.token() : t.token() + " " + t.classWord());
                }
            }
            labels.add(String.join(" + ", names));
        }
        int[] owner = targetOwner.stream().mapToInt(tokenDelta::get).toArray();
        return MergeDiagnostics.compute(labels, w0, mergedWeights, materialized, d, c, owner, gram.gram(), gram.rows());
    }

    private static boolean isStyle(String classWord) {
        String w = classWord.toLowerCase(java.util.Locale.ROOT);
        return w.contains("art") || w.contains("style") || w.contains("painting");
    }

    /**
     * Row-major features of the given texts: positions {@code skip + 1} through EOS of each (BOS and a
     * {@code skip}-token prefix dropped; null skip = 0 for captions).
     */
    static float[] features(ClipTokenizer tokenizer, ClipTextEncoder textEncoder, List<String> texts, Integer skip) {
        int d = textEncoder.hiddenSize();
        int[] eos = new int[texts.size()];
        int[][] tokenRows = new int[texts.size()][];
        int len = 1;
        for (int i = 0; i < texts.size(); i++) {
            tokenRows[i] = tokenizer.encode(texts.get(i));
            eos[i] = Math.min(tokenizer.maxLength() - 1, tokenizer.tokenize(texts.get(i)).size() + 1);
            len = Math.max(len, eos[i] + 1);
        }
        // CLIP's self-attention is causal: a position never sees later ones, so the padding after the longest EOS
        // changes none of the rows kept here; leaving it out saves most of the encoding (captions are ~10 of 77)
        long[] ids = new long[texts.size() * len];
        for (int i = 0; i < texts.size(); i++) {
            for (int j = 0; j < len; j++) {
                ids[i * len + j] = tokenRows[i][j];
            }
        }
        int from = 1 + (skip == null ? 0 : skip);
        List<float[]> parts = new ArrayList<>();
        int total = 0;
        try (NDManager m = ComputeDevice.newManager()) {
            NDArray hidden = textEncoder.encode(m.create(ids, new Shape(texts.size(), len)));
            float[] all = hidden.toFloatArray();
            for (int i = 0; i < texts.size(); i++) {
                int rows = eos[i] - from + 1;
                if (rows <= 0) {
                    continue;
                }
                float[] part = new float[rows * d];
                System.arraycopy(all, (i * len + from) * d, part, 0, rows * d);
                parts.add(part);
                total += part.length;
            }
        }
        float[] out = new float[total];
        int p = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, out, p, part.length);
            p += part.length;
        }
        return out;
    }
}

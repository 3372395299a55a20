package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.golden.GoldenFolder;

import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaApplier;
import dev.cdiff.diffusion.delta.DeltaKind;
import dev.cdiff.diffusion.delta.DeltaMetadata;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.diffusion.delta.Matrices;
import dev.cdiff.diffusion.training.TokenInfo;
import dev.cdiff.diffusion.training.TrainingModels;
import dev.cdiff.diffusion.models.UNet2DConditionModel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClosedFormMergeTest {

    /** A single-concept delta: every K/V layer moved densely from the base, a token row near the initializer. */
    static Delta fakeDelta(TrainingModels models, String token, String classWord, long seed, String digest) {
        Random rnd = new Random(seed);
        Map<String, LayerWeight> layers = new TreeMap<>();
        for (Map.Entry<String, NDArray> e : models.unet().crossAttentionKv().entrySet()) {
            float[] w = e.getValue().toFloatArray();
            for (int i = 0; i < w.length; i++) {
                w[i] += (float) (rnd.nextGaussian() * 0.05);
            }
            long[] s = e.getValue().getShape().getShape();
            layers.put(e.getKey(), new LayerWeight.Full((int) s[0], (int) s[1], w));
        }
        float[] row = models.textEncoder().tokenRow(models.tokenizer().tokenize("ktn").get(0));
        for (int i = 0; i < row.length; i++) {
            row[i] += (float) (rnd.nextGaussian() * 0.1);
        }
        Map<String, float[]> rows = new LinkedHashMap<>();
        rows.put(token, row);
        return new Delta(layers, rows, DeltaMetadata.of(DeltaKind.FULL, digest,
                List.of(new TokenInfo(token, classWord + "-concept", classWord, "ktn")), null, seed));
    }

    @Test
    void captionFeaturesWithoutTheTrailingPaddingEqualTheFullLengthEncoding() {
        try (NDManager m = NDManager.newBaseManager();
             TrainingModels models = TrainingModels.load(GoldenFolder.tinySd(), m)) {
            List<String> captions = List.of("a dog", "a photo of a red circle on a blue square", "cat");
            float[] shortened = ClosedFormMerge.features(models.tokenizer(), models.textEncoder(), captions, null);
            int len = models.tokenizer().maxLength();
            int d = models.textEncoder().hiddenSize();
            long[] ids = new long[captions.size() * len];
            for (int i = 0; i < captions.size(); i++) {
                int[] row = models.tokenizer().encode(captions.get(i));
                for (int j = 0; j < len; j++) {
                    ids[i * len + j] = row[j];
                }
            }
            float[] full = models.textEncoder().encode(m.create(ids, new ai.djl.ndarray.types.Shape(captions.size(), len)))
                    .toFloatArray();
            int p = 0;
            for (int i = 0; i < captions.size(); i++) {
                int eos = models.tokenizer().tokenize(captions.get(i)).size() + 1;
                for (int pos = 1; pos <= eos; pos++) {
                    for (int k = 0; k < d; k++) {
                        assertEquals(full[(i * len + pos) * d + k], shortened[p++], 1e-5f,
                                "caption " + i + " position " + pos);
                    }
                }
            }
            assertEquals(shortened.length, p, "rows BOS+1..EOS of every caption, nothing else");
        }
    }

    /**
     * The merging service merges on the checkpoint's K/V weights alone, with a freshly loaded tokenizer and text
     * encoder and no UNet: the result must be the merge on a loaded model, bit for bit, and no model is touched.
     */
    @Test
    void mergeOnCheckpointKvAloneIsTheMergeOnALoadedModel() {
        try (NDManager m = NDManager.newBaseManager();
             TrainingModels models = TrainingModels.load(GoldenFolder.tinySd(), m);
             TrainingModels fresh = TrainingModels.load(GoldenFolder.tinySd(), m)) {
            Delta a = fakeDelta(models, "<new1>", "dog", 1, models.baseModelDigest());
            Delta b = fakeDelta(models, "<new1>", "cat", 2, models.baseModelDigest());
            Map<String, float[]> baseKv =
                    UNet2DConditionModel.loadCrossAttentionKv(GoldenFolder.tinySd().resolve("unet"));
            ClosedFormMerge.Options opts = ClosedFormMerge.Options.defaults()
                    .withCaptions(RegularizationCaptions.generated(200, 5));
            ClosedFormMerge.Result onModel = ClosedFormMerge.merge(List.of(a, b), models, opts);
            ClosedFormMerge.Result onKv = ClosedFormMerge.merge(List.of(a, b), fresh.tokenizer(), fresh.textEncoder(),
                    baseKv, fresh.baseModelDigest(), opts);

            assertEquals(onModel.merged().layers().keySet(), onKv.merged().layers().keySet());
            for (String k : onModel.merged().layers().keySet()) {
                float[] expected = onModel.merged().layers().get(k).materialize(baseKv.get(k));
                assertArrayEquals(expected, onKv.merged().layers().get(k).materialize(baseKv.get(k)), k);
                // the loaded model holds the merged weights; the K/V-only merge leaves the other model as loaded
                assertArrayEquals(expected, models.unet().crossAttentionKv().get(k).toFloatArray(), k);
                assertArrayEquals(baseKv.get(k), fresh.unet().crossAttentionKv().get(k).toFloatArray(), k);
            }
            assertEquals(onModel.merged().tokenEmbeddings().keySet(), onKv.merged().tokenEmbeddings().keySet());
            onModel.merged().tokenEmbeddings().forEach((t, row) ->
                    assertArrayEquals(row, onKv.merged().tokenEmbeddings().get(t), t));
            assertEquals(onModel.report().maxConstraintError(), onKv.report().maxConstraintError());
            assertEquals(new String(onModel.diagnostics().toJson(), java.nio.charset.StandardCharsets.UTF_8),
                    new String(onKv.diagnostics().toJson(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void mergesTwoConceptsRenumberingTokensAndKeepingBothConstraints() {
        try (NDManager m = NDManager.newBaseManager();
             TrainingModels models = TrainingModels.load(GoldenFolder.tinySd(), m)) {
            Delta a = fakeDelta(models, "<new1>", "dog", 1, models.baseModelDigest());
            Delta b = fakeDelta(models, "<new1>", "cat", 2, models.baseModelDigest());
            Map<String, float[]> w0 = new TreeMap<>();
            models.unet().crossAttentionKv().forEach((k, v) -> w0.put(k, v.toFloatArray()));
            ClosedFormMerge.Options opts = ClosedFormMerge.Options.defaults()
                    .withCaptions(RegularizationCaptions.generated(200, 5));
            ClosedFormMerge.Result r = ClosedFormMerge.merge(List.of(a, b), models, opts);
            Delta merged = r.merged();
            System.out.println("merge report " + r.report());
            assertEquals(List.of("<new1>", "<new2>"), List.copyOf(merged.tokenEmbeddings().keySet()));
            assertEquals("cat", merged.metadata().tokens().get(1).classWord());
            assertTrue(models.tokenizer().tokenId("<new2>").isPresent());
            assertEquals(w0.keySet(), merged.layers().keySet());
            assertFalse(r.report().usedPseudoInverse());
            assertTrue(r.report().maxConstraintError() < 1e-3, "constraint error " + r.report().maxConstraintError());
            assertTrue(r.report().regularizationRows() > 1000);
            // the diagnostics cover every merged layer and agree that both concepts' constraints hold
            assertEquals(List.of("<new1> dog", "<new2> cat"), r.diagnostics().concepts());
            assertEquals(w0.keySet().size(), r.diagnostics().layers().size());
            assertEquals(r.report().regularizationRows(), r.diagnostics().regularizationRows());
            for (int k = 0; k < 2; k++) {
                assertTrue(r.diagnostics().worstResidual(k).residual() < 1e-3, "" + r.diagnostics().worstResidual(k));
            }
            assertTrue(r.diagnostics().maxRegularizationDrift() > 0);

            // concept phrases map as each concept's own layer maps them; captions stay closer to the base than either concept
            int d = models.textEncoder().hiddenSize();
            float[] dogFeat = ClosedFormMerge.features(models.tokenizer(), models.textEncoder(), List.of("<new1> dog"), 0);
            float[] capFeat = ClosedFormMerge.features(models.tokenizer(), models.textEncoder(),
                    RegularizationCaptions.generated(200, 5), null);
            String key = w0.keySet().iterator().next();
            // stored as exact rank-m factors of the change, m = the kept target rows
            assertEquals(dev.cdiff.diffusion.delta.DeltaKind.LOWRANK, merged.kind());
            assertEquals("true", merged.metadata().extra().get("lowrank_exact"));
            LayerWeight.Factored factors = (LayerWeight.Factored) merged.layers().get(key);
            assertEquals(r.report().targetRows(), factors.rank());
            float[] wm = factors.materialize(w0.get(key));
            float[] wa = ((LayerWeight.Full) a.layers().get(key)).weight();
            assertTrue(maxOutDiff(wm, wa, dogFeat, d) < 1e-3 * (1 + maxAbs(apply(wa, dogFeat, d))),
                    "merged layer does not reproduce concept A on its phrase");
            // optimality: any other weight meeting the same constraints (merged + Z projected off the target rows)
            // changes the caption outputs more
            DMatrixRMaj c = targetRows(models, d);
            double mergedDrift = sqDiff(apply(wm, capFeat, d), apply(w0.get(key), capFeat, d));
            Random rnd = new Random(9);
            for (int trial = 0; trial < 5; trial++) {
                float[] other = perturbInNullSpace(wm, c, d, rnd);
                assertTrue(maxOutDiff(other, wm, Matrices.toFloats(c), d) < 1e-4, "perturbation broke the constraints");
                double otherDrift = sqDiff(apply(other, capFeat, d), apply(w0.get(key), capFeat, d));
                assertTrue(mergedDrift < otherDrift, "merged drift " + mergedDrift + " not minimal vs " + otherDrift);
            }
            // the merged weights are live in the UNet, exactly as applying the stored delta gives them
            for (String k : w0.keySet()) {
                assertArrayEquals(merged.layers().get(k).materialize(w0.get(k)),
                        models.unet().crossAttentionKv().get(k).toFloatArray(), 0f, k);
            }
        }
    }

    @Test
    void aStyleConceptKeepsItsPaintingInTheStyleOfWordsAsConstraints() {
        try (NDManager m = NDManager.newBaseManager();
             TrainingModels models = TrainingModels.load(GoldenFolder.tinySd(), m)) {
            Delta object = fakeDelta(models, "<new1>", "dog", 1, models.baseModelDigest());
            Delta style = fakeDelta(models, "<new1>", "art", 2, models.baseModelDigest());
            ClosedFormMerge.Options opts = ClosedFormMerge.Options.defaults()
                    .withCaptions(RegularizationCaptions.generated(200, 5));
            String key = models.unet().crossAttentionKv().keySet().iterator().next();
            float[] base = models.unet().crossAttentionKv().get(key).toFloatArray();
            ClosedFormMerge.Result r = ClosedFormMerge.merge(List.of(object, style), models, opts);
            int d = models.textEncoder().hiddenSize();
            // every token after BOS of the style phrase, the framing words included, maps as the style's own layer
            float[] framed = ClosedFormMerge.features(models.tokenizer(), models.textEncoder(),
                    List.of("painting in the style of <new2> art"), 0);
            int framingRows = models.tokenizer().tokenize("painting in the style of").size();
            int phraseRows = models.tokenizer().tokenize("<new1> dog").size() + 1;
            int styleRows = models.tokenizer().tokenize("<new2> art").size() + 1;
            assertEquals(framed.length / d, framingRows + styleRows);
            assertEquals(2 * phraseRows + styleRows + framed.length / d, r.report().targetRows());
            float[] wm = r.merged().layers().get(key).materialize(base);
            float[] ws = ((LayerWeight.Full) style.layers().get(key)).weight();
            float[] framingOnly = java.util.Arrays.copyOf(framed, framingRows * d);
            assertTrue(maxOutDiff(wm, ws, framingOnly, d) < 1e-3 * (1 + maxAbs(apply(ws, framingOnly, d))),
                    "merged layer leaves the style's framing words unconstrained");
        }
    }

    /** An in-memory cache that counts what the merge asked of it. */
    private static final class CountingCache implements GramCache {
        final Map<String, RegularizationGram> entries = new java.util.HashMap<>();
        int finds;
        int hits;
        int stores;

        @Override
        public java.util.Optional<RegularizationGram> find(String key) {
            finds++;
            java.util.Optional<RegularizationGram> g = java.util.Optional.ofNullable(entries.get(key));
            hits += g.isPresent() ? 1 : 0;
            return g;
        }

        @Override
        public void store(String key, RegularizationGram gram) {
            stores++;
            entries.put(key, gram);
        }
    }

    @Test
    void aRepeatedMergeOnTheSameBaseModelReusesTheGramMatrixAndGivesTheSameDelta() throws Exception {
        CountingCache cache = new CountingCache();
        List<String> captions = RegularizationCaptions.generated(120, 3);
        Delta cold;
        Delta warm;
        String key;
        try (NDManager m = NDManager.newBaseManager();
             TrainingModels models = TrainingModels.load(GoldenFolder.tinySd(), m)) {
            ClosedFormMerge.Result r = ClosedFormMerge.merge(List.of(fakeDelta(models, "<new1>", "dog", 1,
                    models.baseModelDigest()), fakeDelta(models, "<new1>", "cat", 2, models.baseModelDigest())), models,
                    ClosedFormMerge.Options.defaults().withCaptions(captions).withGramCache(cache));
            assertFalse(r.report().gramFromCache());
            cold = r.merged();
            key = ClosedFormMerge.gramKey(models.baseModelDigest(), RegularizationGram.Backend.FLOAT32, captions);
        }
        assertEquals(1, cache.stores);
        assertTrue(cache.entries.containsKey(key), "stored under the key of (base model, backend, captions)");
        // the cache entry survives a round trip through its file form bit for bit
        java.nio.file.Path file = java.nio.file.Files.createTempFile("gram", ".safetensors");
        try {
            cache.entries.get(key).write(file);
            RegularizationGram back = RegularizationGram.read(file);
            assertTrue(java.util.Arrays.equals(cache.entries.get(key).gram().data, back.gram().data));
            assertEquals(cache.entries.get(key).rows(), back.rows());
            cache.entries.put(key, back);
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
        try (NDManager m = NDManager.newBaseManager();
             TrainingModels models = TrainingModels.load(GoldenFolder.tinySd(), m)) {
            ClosedFormMerge.Result r = ClosedFormMerge.merge(List.of(fakeDelta(models, "<new1>", "dog", 1,
                    models.baseModelDigest()), fakeDelta(models, "<new1>", "cat", 2, models.baseModelDigest())), models,
                    ClosedFormMerge.Options.defaults().withCaptions(captions).withGramCache(cache));
            assertTrue(r.report().gramFromCache(), "the second merge must take the cached Gram matrix");
            warm = r.merged();
        }
        assertEquals(1, cache.stores, "a hit is not stored again");
        for (String layer : cold.layers().keySet()) {
            LayerWeight.Factored c = (LayerWeight.Factored) cold.layers().get(layer);
            LayerWeight.Factored w = (LayerWeight.Factored) warm.layers().get(layer);
            assertTrue(java.util.Arrays.equals(c.up(), w.up()) && java.util.Arrays.equals(c.down(), w.down()),
                    "layer " + layer + " differs warm vs cold");
        }
        // another caption set or base model never finds this entry
        assertFalse(key.equals(ClosedFormMerge.gramKey("other-base", RegularizationGram.Backend.FLOAT32, captions)));
        assertFalse(key.equals(ClosedFormMerge.gramKey(cold.metadata().baseModelDigest(),
                RegularizationGram.Backend.FLOAT32, RegularizationCaptions.generated(121, 3))));
    }

    @Test
    void float32ProductsGiveTheFloat64GramMatrixToSinglePrecision() {
        Random rnd = new Random(4);
        int d = 96;
        int n = 3000;
        float[] rows = new float[n * d];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) rnd.nextGaussian();
        }
        RegularizationGram f32 = new RegularizationGram(d, RegularizationGram.Backend.FLOAT32);
        RegularizationGram f64 = new RegularizationGram(d, RegularizationGram.Backend.FLOAT64);
        for (int s = 0; s < n; s += 1000) {
            float[] chunk = java.util.Arrays.copyOfRange(rows, s * d, (s + 1000) * d);
            f32.add(chunk, 1000);
            f64.add(chunk, 1000);
        }
        double[] a = f32.gram().data;
        double[] b = f64.gram().data;
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += b[i] * b[i];
        }
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel < 1e-6, "float32 Gram relative error " + rel);
        assertEquals(n, f32.rows());
    }

    @Test
    void rejectsDeltaOfAnotherBaseModel() {
        try (NDManager m = NDManager.newBaseManager();
             TrainingModels models = TrainingModels.load(GoldenFolder.tinySd(), m)) {
            Delta a = fakeDelta(models, "<new1>", "dog", 1, "0000");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ClosedFormMerge.merge(List.of(a), models, ClosedFormMerge.Options.defaults()));
            assertTrue(e.getMessage().contains("base model"), e.getMessage());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> DeltaApplier.apply(a, models));
            assertTrue(e2.getMessage().contains("0000"), e2.getMessage());
        }
    }

    /** The merge's target rows, recomputed as the merge builds them. */
    private static DMatrixRMaj targetRows(TrainingModels models, int d) {
        List<float[]> parts = List.of(
                ClosedFormMerge.features(models.tokenizer(), models.textEncoder(), List.of("<new1> dog"), 0),
                ClosedFormMerge.features(models.tokenizer(), models.textEncoder(), List.of("photo of a <new1> dog"), 3),
                ClosedFormMerge.features(models.tokenizer(), models.textEncoder(), List.of("<new2> cat"), 0),
                ClosedFormMerge.features(models.tokenizer(), models.textEncoder(), List.of("photo of a <new2> cat"), 3));
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] all = new float[n];
        int pos = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, pos, p.length);
            pos += p.length;
        }
        return Matrices.fromFloats(all, n / d, d);
    }

    /** w + Z (I - C^T (C C^T)^+ C) for a random Z: leaves W C^T unchanged. */
    private static float[] perturbInNullSpace(float[] w, DMatrixRMaj c, int d, Random rnd) {
        int out = w.length / d;
        DMatrixRMaj z = new DMatrixRMaj(out, d);
        for (int i = 0; i < z.data.length; i++) {
            z.data[i] = rnd.nextGaussian() * 0.01;
        }
        DMatrixRMaj cct = new DMatrixRMaj(c.numRows, c.numRows);
        CommonOps_DDRM.multTransB(c, c, cct);
        DMatrixRMaj inv = new DMatrixRMaj(c.numRows, c.numRows);
        CommonOps_DDRM.pinv(cct, inv);
        DMatrixRMaj zct = new DMatrixRMaj(out, c.numRows);
        CommonOps_DDRM.multTransB(z, c, zct);
        DMatrixRMaj tmp = new DMatrixRMaj(out, c.numRows);
        CommonOps_DDRM.mult(zct, inv, tmp);
        DMatrixRMaj proj = new DMatrixRMaj(out, d);
        CommonOps_DDRM.mult(tmp, c, proj);
        CommonOps_DDRM.subtractEquals(z, proj);
        float[] r = w.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += (float) z.data[i];
        }
        return r;
    }

    private static float[] apply(float[] w, float[] feats, int d) {
        int out = w.length / d;
        int n = feats.length / d;
        float[] r = new float[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += w[o * d + j] * feats[i * d + j];
                }
                r[i * out + o] = (float) s;
            }
        }
        return r;
    }

    private static double maxOutDiff(float[] w1, float[] w2, float[] feats, int d) {
        float[] a = apply(w1, feats, d);
        float[] b = apply(w2, feats, d);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static double sqDiff(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s;
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}

package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.training.TokenInfo;

import dev.cdiff.diffusion.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeltaFormatTest {
    private static final String K0 = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";
    private static final String V0 = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v.weight";
    private static final String K1 = "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight";

    @TempDir
    Path tmp;

    private final Random rnd = new Random(3);
    private final Map<String, float[]> base = new TreeMap<>();

    private Delta sample() {
        Map<String, LayerWeight> layers = new TreeMap<>();
        int[][] shapes = {{32, 24}, {32, 24}, {64, 24}};
        String[] keys = {K0, V0, K1};
        for (int i = 0; i < keys.length; i++) {
            int r = shapes[i][0];
            int c = shapes[i][1];
            float[] w0 = gaussian(r * c, 0.2);
            base.put(keys[i], w0);
            float[] w = w0.clone();
            // a rank-3 change plus small noise, like a short fine-tune
            float[] u = gaussian(r * 3, 0.1);
            float[] v = gaussian(3 * c, 0.1);
            for (int a = 0; a < r; a++) {
                for (int b = 0; b < c; b++) {
                    double s = 0;
                    for (int k = 0; k < 3; k++) {
                        s += u[a * 3 + k] * v[k * c + b];
                    }
                    w[a * c + b] += (float) s + (float) (rnd.nextGaussian() * 1e-4);
                }
            }
            layers.put(keys[i], new LayerWeight.Full(r, c, w));
        }
        Map<String, float[]> tokens = new java.util.LinkedHashMap<>();
        tokens.put("<new1>", gaussian(24, 0.05));
        tokens.put("<new2>", gaussian(24, 0.05));
        DeltaMetadata meta = DeltaMetadata.of(DeltaKind.FULL, "abc123",
                List.of(new TokenInfo("<new1>", "dog-a", "dog", "ktn"), new TokenInfo("<new2>", "cat-b", "cat", "pll")),
                null, 42L);
        return new Delta(layers, tokens, meta);
    }

    @Test
    void headerExtrasAreWrittenInOneOrderWhateverTheProcess() {
        DeltaMetadata m = DeltaMetadata.of(DeltaKind.FULL, "abc", List.of(), null, 1);
        for (String k : List.of("zeta", "steps_done", "name", "mode", "epsilon", "alpha")) {
            m = m.withExtra(k, k.toUpperCase());
        }
        // the digest of a delta file is its identity for audits: its header bytes may not depend on hash ordering
        assertEquals("{\"alpha\":\"ALPHA\",\"epsilon\":\"EPSILON\",\"mode\":\"MODE\",\"name\":\"NAME\","
                + "\"steps_done\":\"STEPS_DONE\",\"zeta\":\"ZETA\"}", m.toHeader().get("extra"));
    }

    @Test
    void fullDeltaRoundTripsExactlyWithMetadata() {
        Delta d = sample();
        Path f = tmp.resolve("d.safetensors");
        d.write(f);
        Delta back = Delta.read(f);
        assertEquals(DeltaKind.FULL, back.kind());
        assertEquals("abc123", back.metadata().baseModelDigest());
        assertEquals(42L, back.metadata().seed());
        assertEquals(d.metadata().tokens(), back.metadata().tokens());
        assertEquals(List.of("<new1>", "<new2>"), List.copyOf(back.tokenEmbeddings().keySet()));
        d.materialize(base::get).forEach((k, w) -> assertArrayEquals(w, back.materialize(base::get).get(k), 0f));
        assertArrayEquals(d.tokenEmbeddings().get("<new2>"), back.tokenEmbeddings().get("<new2>"), 0f);
    }

    @Test
    void fp16DeltaIsHalfTheSizeAndWithinHalfPrecision() throws Exception {
        Delta d = sample();
        Path full = tmp.resolve("full.safetensors");
        Path half = tmp.resolve("half.safetensors");
        d.write(full);
        d.withKind(DeltaKind.FP16).write(half);
        long fullSize = java.nio.file.Files.size(full);
        long halfSize = java.nio.file.Files.size(half);
        assertTrue(halfSize < 0.6 * fullSize, halfSize + " vs " + fullSize);
        Delta back = Delta.read(half);
        assertEquals(DeltaKind.FP16, back.kind());
        var a = d.materialize(base::get);
        var b = back.materialize(base::get);
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                float x = a.get(k)[i];
                assertEquals(x, b.get(k)[i], Math.abs(x) * 1e-3 + 1e-6);
            }
        }
    }

    @Test
    void lowRankAtFullRankReconstructsAndTruncationKeepsRequestedEnergy() {
        Delta d = sample();
        Delta lr = LowRankDelta.compress(d, base::get, LowRankDelta.Policy.fullRank());
        Path f = tmp.resolve("lr.safetensors");
        lr.write(f);
        Delta back = Delta.read(f);
        assertEquals(DeltaKind.LOWRANK, back.kind());
        var a = d.materialize(base::get);
        var b = back.materialize(base::get);
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                assertEquals(a.get(k)[i], b.get(k)[i], 2e-6);
            }
        }
        // the change is rank 3 + 1e-4 noise: 99% energy needs exactly 3 directions and leaves only the noise
        Delta r3 = LowRankDelta.compress(d, base::get, LowRankDelta.Policy.energy(0.99));
        for (LayerWeight l : r3.layers().values()) {
            assertEquals(3, ((LayerWeight.Factored) l).rank());
        }
        var c = r3.materialize(base::get);
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                assertEquals(a.get(k)[i], c.get(k)[i], 1e-3);
            }
        }
        Delta r1 = LowRankDelta.compress(d, base::get, LowRankDelta.Policy.rank(1));
        double err1 = maxErr(a, r1.materialize(base::get));
        assertTrue(err1 > 1e-3, "rank 1 should lose a visible part of a rank-3 change, err " + err1);
        assertThrows(IllegalArgumentException.class, () -> lr.materialize(k -> null));
    }

    @Test
    void diffusersExportUsesProcessorKeysAndImportsBack() {
        Delta d = sample();
        Path dir = tmp.resolve("diffusers");
        DiffusersExport.export(d, base::get,
                List.of("down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor"), dir);
        try (SafeTensors st = SafeTensors.open(dir.resolve(DiffusersExport.WEIGHTS_FILE))) {
            assertTrue(st.contains("down_blocks.0.attentions.0.transformer_blocks.0.attn2.processor.to_k_custom_diffusion.weight"));
            assertTrue(st.contains("mid_block.attentions.0.transformer_blocks.0.attn2.processor.to_k_custom_diffusion.weight"));
            assertEquals(0, st.info("down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor").elementCount());
            assertEquals("pt", st.metadata().get("format"));
        }
        try (SafeTensors st = SafeTensors.open(dir.resolve("<new1>.safetensors"))) {
            assertEquals(List.of("<new1>"), List.copyOf(st.names()));
            assertArrayEquals(new long[] {24}, st.info("<new1>").shape());
        }
        Delta back = DiffusersExport.importFolder(dir, "abc123");
        assertEquals(List.of("<new1>", "<new2>"), List.copyOf(back.tokenEmbeddings().keySet()));
        var a = d.materialize(base::get);
        var b = back.materialize(base::get);
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, w) -> assertArrayEquals(w, b.get(k), 0f));
        assertArrayEquals(d.tokenEmbeddings().get("<new1>"), back.tokenEmbeddings().get("<new1>"), 0f);
    }

    @Test
    void rejectsFilesThatAreNotDeltas() {
        Path f = tmp.resolve("x.safetensors");
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            SafeTensors.write(f, Map.of("a", m.create(new float[] {1})), Map.of("format", "pt"), false);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Delta.read(f));
        assertTrue(e.getMessage().contains("not a cdiff delta"), e.getMessage());
    }

    private static double maxErr(Map<String, float[]> a, Map<String, float[]> b) {
        double m = 0;
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                m = Math.max(m, Math.abs(a.get(k)[i] - b.get(k)[i]));
            }
        }
        return m;
    }

    private float[] gaussian(int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (rnd.nextGaussian() * std);
        }
        return out;
    }
}

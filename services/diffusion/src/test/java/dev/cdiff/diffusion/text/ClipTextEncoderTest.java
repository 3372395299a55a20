package dev.cdiff.diffusion.text;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.UnsupportedConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipTextEncoderTest {
    private static final Path MODEL = GoldenFolder.configured().resolve("models/tiny-sd");

    @TempDir
    Path tmp;

    @Test
    void onlyTrainableRowsReceiveGradientAndTableStaysIdentical() {
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder enc = ClipTextEncoder.load(MODEL.resolve("text_encoder"), m)) {
            ClipTokenizer tok = ClipTokenizer.load(MODEL.resolve("tokenizer"));
            int newId = tok.addToken("<new1>");
            int init = tok.tokenId("ktn</w>").getAsInt();
            enc.addTokenRows(new float[][] {enc.tokenRow(init)});
            assertEquals(newId + 1, enc.vocabSize());
            float[] tableBefore = enc.tokenEmbedding().toFloatArray();

            NDArray ids = m.create(new long[][] {
                    java.util.Arrays.stream(tok.encode("photo of a <new1> dog")).asLongStream().toArray()});
            NDArray row = m.create(enc.tokenRow(newId), new Shape(1, enc.hiddenSize()));
            row.setRequiresGradient(true);
            NDArray plain = enc.encode(ids);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = enc.encode(ids, row, new int[] {newId});
                assertArrayEquals(plain.toFloatArray(), out.toFloatArray(), 1e-6f);
                gc.backward(out.square().sum());
            }
            float[] grad = row.getGradient().toFloatArray();
            double norm = 0;
            for (float g : grad) {
                norm += g * g;
            }
            assertTrue(norm > 0, "new row must receive gradient");
            assertArrayEquals(tableBefore, enc.tokenEmbedding().toFloatArray());
            assertEquals(false, enc.tokenEmbedding().hasGradient());

            // a row that is not in the prompt gets exactly zero gradient
            NDArray unused = m.create(enc.tokenRow(newId), new Shape(1, enc.hiddenSize()));
            unused.setRequiresGradient(true);
            NDArray noNew = m.create(new long[][] {
                    java.util.Arrays.stream(tok.encode("photo of a dog")).asLongStream().toArray()});
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(enc.encode(noNew, unused, new int[] {newId}).sum());
            }
            for (float g : unused.getGradient().toFloatArray()) {
                assertEquals(0f, g);
            }
        }
    }

    @Test
    void anInstalledLayerLeafReceivesGradientWhileSetParameterCopies() {
        String name = "encoder.layers.0.self_attn.q_proj.weight";
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder enc = ClipTextEncoder.load(MODEL.resolve("text_encoder"), m)) {
            ClipTokenizer tok = ClipTokenizer.load(MODEL.resolve("tokenizer"));
            NDArray ids = m.create(new long[][] {
                    java.util.Arrays.stream(tok.encode("a photo of a dog")).asLongStream().toArray()});
            float[] before = enc.encode(ids).toFloatArray();
            NDArray leaf = enc.parameters().get(name).duplicate();
            leaf.setRequiresGradient(true);
            enc.installParameter(name, leaf);
            assertTrue(enc.parameters().get(name) == leaf, "installed array must be used as is");
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = enc.encode(ids);
                assertArrayEquals(before, out.toFloatArray(), 1e-6f);
                gc.backward(out.square().sum());
            }
            assertTrue(leaf.getGradient().abs().sum().getFloat() > 0, "layer leaf must receive gradient");

            enc.setParameter(name, leaf);
            assertTrue(enc.parameters().get(name) != leaf, "setParameter keeps a copy");
            assertThrows(IllegalArgumentException.class,
                    () -> enc.installParameter(ClipTextEncoder.TOKEN_EMBEDDING, enc.tokenEmbedding()));
            assertThrows(IllegalArgumentException.class,
                    () -> enc.installParameter(name, m.zeros(new Shape(3, 3))));
        }
    }

    @Test
    void saveAndReloadGivesSameOutputs() {
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder enc = ClipTextEncoder.load(MODEL.resolve("text_encoder"), m)) {
            enc.addTokenRows(new float[][] {new float[enc.hiddenSize()]});
            enc.setTokenRow(enc.vocabSize() - 1, enc.tokenRow(5));
            enc.save(tmp.resolve("te"));
            try (ClipTextEncoder back = ClipTextEncoder.load(tmp.resolve("te"), m)) {
                assertEquals(enc.vocabSize(), back.vocabSize());
                NDArray ids = m.create(new long[][] {{816, 5, enc.vocabSize() - 1, 817}});
                assertArrayEquals(enc.encode(ids).toFloatArray(), back.encode(ids).toFloatArray());
                assertArrayEquals(enc.tokenRow(5), back.tokenRow(enc.vocabSize() - 1));
            }
        }
    }

    /** clip_skip=1 is the reference's layer-0 activation (dbg tensor) through the final LayerNorm. */
    @Test
    void clipSkipUsesAnEarlierLayerThenFinalNorm() {
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder enc = ClipTextEncoder.load(MODEL.resolve("text_encoder"), m);
             dev.cdiff.diffusion.io.SafeTensors t = dev.cdiff.diffusion.io.SafeTensors.open(
                     GoldenFolder.configured().resolve("cases/text_encoder.safetensors"))) {
            NDArray ids = t.load("in.input_ids", m);
            NDArray layer0 = t.load("dbg.encoder.layers.0", m);
            NDArray expected = ai.djl.nn.norm.LayerNorm.layerNorm(layer0, new Shape(enc.hiddenSize()),
                    enc.parameters().get("final_layer_norm.weight"), enc.parameters().get("final_layer_norm.bias"),
                    1e-5f).singletonOrThrow();
            assertArrayEquals(expected.toFloatArray(), enc.encode(ids, 1).toFloatArray(), 2e-5f);
            assertThrows(IllegalArgumentException.class, () -> enc.encode(ids, 2));
            NDArray bad = m.create(new long[][] {{816, 5000}});
            assertThrows(IllegalArgumentException.class, () -> enc.encode(bad));
        }
    }

    /** hidden_act "gelu" relies on DJL's gelu being the exact erf form, like torch's default. */
    @Test
    void djlGeluIsTheExactErfForm() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] g = ai.djl.nn.Activation.gelu(m.create(new float[] {1f, -0.5f, 2f})).toFloatArray();
            // x * Phi(x) from the normal CDF; the tanh approximation differs by ~1.5e-4 at x = 1
            assertEquals(0.8413447f, g[0], 1e-6f);
            assertEquals(-0.1542687f, g[1], 1e-6f);
            assertEquals(1.9544997f, g[2], 1e-6f);
        }
    }

    @Test
    void randomInitIsSeededAndRejectsUnknownActivation() {
        ObjectNode cfg = (ObjectNode) ModelFolder.readConfig(MODEL.resolve("text_encoder"));
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder a = ClipTextEncoder.create(cfg, m, 7);
             ClipTextEncoder b = ClipTextEncoder.create(cfg, m, 7);
             ClipTextEncoder c = ClipTextEncoder.create(cfg, m, 8)) {
            NDArray ids = m.create(new long[][] {{816, 1, 2, 817}});
            assertArrayEquals(a.encode(ids).toFloatArray(), b.encode(ids).toFloatArray());
            assertNotEquals(a.encode(ids).toFloatArray()[0], c.encode(ids).toFloatArray()[0]);
        }
        cfg.put("hidden_act", "swish");
        UnsupportedConfigException e = assertThrows(UnsupportedConfigException.class, () -> ClipTextConfig.from(cfg));
        assertTrue(e.getMessage().contains("hidden_act"), e.getMessage());
    }
}

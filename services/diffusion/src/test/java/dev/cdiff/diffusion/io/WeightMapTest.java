package dev.cdiff.diffusion.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.golden.GoldenFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightMapTest {
    @TempDir
    Path tmp;

    @Test
    void keyNormalisation() {
        assertEquals("embeddings.token_embedding.weight",
                WeightMap.normalizeKey("text_model.embeddings.token_embedding.weight"));
        assertNull(WeightMap.normalizeKey("text_model.embeddings.position_ids"));
        assertEquals("encoder.mid_block.attentions.0.to_q.weight",
                WeightMap.normalizeKey("encoder.mid_block.attentions.0.query.weight"));
        assertEquals("decoder.mid_block.attentions.0.to_out.0.bias",
                WeightMap.normalizeKey("decoder.mid_block.attentions.0.proj_attn.bias"));
        assertEquals("down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight",
                WeightMap.normalizeKey("down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight"));
    }

    @Test
    void legacyAndCurrentGoldenCheckpointsGiveTheSameWeights() {
        Path golden = GoldenFolder.configured();
        try (NDManager m = NDManager.newBaseManager()) {
            for (String component : new String[] {"text_encoder", "vae"}) {
                WeightMap current = WeightMap.load(golden.resolve("models/tiny-sd/" + component), m);
                WeightMap legacy = WeightMap.load(golden.resolve("models/tiny-sd-legacy/" + component), m);
                assertEquals(current.names(), legacy.names(), component);
                for (String n : current.names()) {
                    assertArrayEquals(current.require(n).toFloatArray(), legacy.require(n).toFloatArray(), n);
                }
            }
            WeightMap vae = WeightMap.load(golden.resolve("models/tiny-sd-legacy/vae"), m);
            assertTrue(vae.contains("encoder.mid_block.attentions.0.to_v.weight"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vae.require("nope.weight"));
            assertTrue(e.getMessage().contains("nope.weight"));
        }
    }

    @Test
    void squeezesOneByOneConvAttentionWeights() {
        Path file = tmp.resolve("vae.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("decoder.mid_block.attentions.0.query.weight", m.arange(6f).reshape(3, 2, 1, 1));
            t.put("decoder.mid_block.resnets.0.conv_shortcut.weight", m.arange(6f).reshape(3, 2, 1, 1));
            SafeTensors.write(file, t, Map.of(), false);
            WeightMap w = WeightMap.load(java.util.List.of(file), m);
            assertEquals(new Shape(3, 2), w.require("decoder.mid_block.attentions.0.to_q.weight").getShape());
            assertEquals(new Shape(3, 2, 1, 1), w.require("decoder.mid_block.resnets.0.conv_shortcut.weight").getShape());
            assertFalse(w.contains("decoder.mid_block.attentions.0.query.weight"));
        }
    }
}

package dev.cdiff.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelPersistenceTest {
    /** A config exercising the options the tiny reference model leaves at their defaults. */
    private static ObjectNode variantUnetConfig() {
        ObjectNode c = ModelFixtures.unetConfig();
        c.put("use_linear_projection", true);
        c.putArray("attention_head_dim").add(2).add(4);
        c.put("transformer_layers_per_block", 2);
        c.put("resnet_time_scale_shift", "scale_shift");
        c.put("center_input_sample", true);
        c.put("flip_sin_to_cos", false);
        c.put("freq_shift", 1);
        c.put("upcast_attention", true);
        c.put("mid_block_scale_factor", 1.414);
        c.putArray("down_block_types").add("DownBlock2D").add("CrossAttnDownBlock2D");
        c.putArray("up_block_types").add("CrossAttnUpBlock2D").add("UpBlock2D");
        return c;
    }

    @Test
    void createdUnetIsSeededAndSurvivesSaveAndLoad(@TempDir Path tmp) {
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel a = UNet2DConditionModel.create(variantUnetConfig(), m, 42);
             UNet2DConditionModel b = UNet2DConditionModel.create(variantUnetConfig(), m, 42);
             UNet2DConditionModel c = UNet2DConditionModel.create(variantUnetConfig(), m, 43)) {
            String w = "down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_k.weight";
            assertArrayEquals(a.parameters().get(w).toFloatArray(), b.parameters().get(w).toFloatArray());
            assertNotEquals(a.parameters().get(w).getFloat(0, 0), c.parameters().get(w).getFloat(0, 0));
            assertEquals(2, a.parameters().get("down_blocks.1.attentions.0.proj_in.weight").getShape().dimension());

            a.save(tmp.resolve("unet"));
            try (UNet2DConditionModel loaded = UNet2DConditionModel.load(tmp.resolve("unet"), m)) {
                assertEquals(a.parameters().keySet(), loaded.parameters().keySet());
                NDArray[] in = ModelFixtures.unetInputs(m);
                NDArray t = m.create(new long[] {999, 3});
                NDArray expected = a.forward(in[0], t, in[2]);
                NDArray actual = loaded.forward(in[0], t, in[2]);
                assertEquals(0.0, ModelFixtures.maxAbsDiff(expected, actual));
                assertEquals(new ai.djl.ndarray.types.Shape(2, 4, 16, 16), actual.getShape());
                assertTrue(Float.isFinite(actual.abs().max().getFloat()));
            }
        }
    }

    @Test
    void createdVaeSurvivesSaveAndLoad(@TempDir Path tmp) {
        ObjectNode cfg = ModelFixtures.vaeConfig();
        cfg.put("mid_block_add_attention", false);
        cfg.put("use_quant_conv", false);
        try (NDManager m = NDManager.newBaseManager();
             AutoencoderKL a = AutoencoderKL.create(cfg, m, 5)) {
            assertTrue(a.parameters().keySet().stream().noneMatch(k -> k.contains("attentions") || k.contains("quant_conv.")
                    && !k.startsWith("post_")));
            a.save(tmp.resolve("vae"));
            try (AutoencoderKL loaded = AutoencoderKL.load(tmp.resolve("vae"), m)) {
                NDArray image = ModelFixtures.gaussian(m, 3, 1, 3, 32, 32).tanh();
                try (DiagonalGaussian p1 = a.encode(image); DiagonalGaussian p2 = loaded.encode(image)) {
                    assertEquals(0.0, ModelFixtures.maxAbsDiff(p1.mean(), p2.mean()));
                    assertEquals(new ai.djl.ndarray.types.Shape(1, 4, 16, 16), p1.mean().getShape());
                    NDArray decoded = loaded.decode(p1.mean());
                    assertEquals(new ai.djl.ndarray.types.Shape(1, 3, 32, 32), decoded.getShape());
                }
            }
        }
    }

    @Test
    void legacyKeyCheckpointsGiveIdenticalModels() {
        try (NDManager m = NDManager.newBaseManager();
             AutoencoderKL current = AutoencoderKL.load(ModelFixtures.tinySd().resolve("vae"), m);
             AutoencoderKL legacy = AutoencoderKL.load(ModelFixtures.tinySdLegacy().resolve("vae"), m);
             UNet2DConditionModel unet = UNet2DConditionModel.load(ModelFixtures.tinySd().resolve("unet"), m);
             UNet2DConditionModel unetLegacy = UNet2DConditionModel.load(ModelFixtures.tinySdLegacy().resolve("unet"), m)) {
            assertEquals(current.parameters().keySet(), legacy.parameters().keySet());
            for (Map.Entry<String, NDArray> e : current.parameters().entrySet()) {
                assertArrayEquals(e.getValue().toFloatArray(), legacy.parameters().get(e.getKey()).toFloatArray(),
                        e.getKey());
            }
            NDArray latents = ModelFixtures.gaussian(m, 11, 2, 4, 16, 16);
            assertEquals(0.0, ModelFixtures.maxAbsDiff(current.decode(latents), legacy.decode(latents)));

            NDArray[] in = ModelFixtures.unetInputs(m);
            assertEquals(0.0, ModelFixtures.maxAbsDiff(unet.forward(in[0], in[1], in[2]),
                    unetLegacy.forward(in[0], in[1], in[2])));
        }
    }

    /** The merging service reads only these weights: they must be the loaded model's, whatever the key style. */
    @Test
    void crossAttentionKvReadAloneAreTheLoadedModelsAndComeInPairs(@TempDir Path tmp) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            for (Path unetDir : new Path[] {ModelFixtures.tinySd().resolve("unet"),
                    ModelFixtures.tinySdLegacy().resolve("unet")}) {
                try (UNet2DConditionModel loaded = UNet2DConditionModel.load(unetDir, m)) {
                    Map<String, float[]> alone = UNet2DConditionModel.loadCrossAttentionKv(unetDir);
                    assertEquals(loaded.crossAttentionKv().keySet(), alone.keySet(), unetDir.toString());
                    assertTrue(alone.size() >= 2 && alone.size() % 2 == 0, "K and V of each layer: " + alone.keySet());
                    loaded.crossAttentionKv().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), alone.get(k), k));
                }
            }
            try (UNet2DConditionModel variant = UNet2DConditionModel.create(variantUnetConfig(), m, 42)) {
                variant.save(tmp.resolve("unet"));
                Map<String, float[]> alone = UNet2DConditionModel.loadCrossAttentionKv(tmp.resolve("unet"));
                assertEquals(variant.crossAttentionKv().keySet(), alone.keySet());
                variant.crossAttentionKv().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), alone.get(k), k));

                // a checkpoint that lost one V weight is refused, naming the unpaired K
                Path file = dev.cdiff.diffusion.io.ModelFolder.weightFiles(tmp.resolve("unet")).get(0);
                String lostV = "down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_v.weight";
                Map<String, NDArray> weights = new java.util.LinkedHashMap<>(
                        dev.cdiff.diffusion.io.SafeTensors.loadAll(file, m));
                assertTrue(weights.remove(lostV) != null, lostV);
                Path rewritten = tmp.resolve("rewritten.safetensors");
                dev.cdiff.diffusion.io.SafeTensors.write(rewritten, weights, Map.of(), false);
                java.nio.file.Files.move(rewritten, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> UNet2DConditionModel.loadCrossAttentionKv(tmp.resolve("unet")));
                assertTrue(e.getMessage().contains(lostV.replace("to_v", "to_k")) && e.getMessage().contains(lostV),
                        e.getMessage());
            }
        }
    }
}

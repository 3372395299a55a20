package dev.cdiff.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.io.UnsupportedConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void assertUnetRejects(String option, Consumer<ObjectNode> edit) {
        ObjectNode cfg = ModelFixtures.unetConfig();
        edit.accept(cfg);
        try (NDManager m = NDManager.newBaseManager()) {
            UnsupportedConfigException e = assertThrows(UnsupportedConfigException.class,
                    () -> UNet2DConditionModel.create(cfg, m, 1));
            assertTrue(e.getMessage().contains(option), "message should name " + option + ": " + e.getMessage());
        }
    }

    @Test
    void unsupportedUnetOptionsAreNamed() {
        assertUnetRejects("class_embed_type", c -> c.put("class_embed_type", "timestep"));
        assertUnetRejects("addition_embed_type", c -> c.put("addition_embed_type", "text_time"));
        assertUnetRejects("attention_type", c -> c.put("attention_type", "gated"));
        assertUnetRejects("resnet_time_scale_shift", c -> c.put("resnet_time_scale_shift", "spatial"));
        assertUnetRejects("dual_cross_attention", c -> c.put("dual_cross_attention", true));
        assertUnetRejects("only_cross_attention", c -> c.putArray("only_cross_attention").add(false).add(true));
        assertUnetRejects("time_embedding_type", c -> c.put("time_embedding_type", "fourier"));
        assertUnetRejects("act_fn", c -> c.put("act_fn", "gelu"));
        assertUnetRejects("down_block_types", c -> c.putArray("down_block_types")
                .add("SimpleCrossAttnDownBlock2D").add("DownBlock2D"));
        assertUnetRejects("mid_block_type", c -> c.put("mid_block_type", "UNetMidBlock2DSimpleCrossAttn"));
        assertUnetRejects("encoder_hid_dim", c -> c.put("encoder_hid_dim", 32));
        assertUnetRejects("block_out_channels", c -> c.putArray("block_out_channels").add(32));
    }

    @Test
    void unsupportedVaeOptionsAreNamed() {
        ObjectNode cfg = ModelFixtures.vaeConfig();
        cfg.putArray("down_block_types").add("DownEncoderBlock2D").add("AttnDownEncoderBlock2D");
        try (NDManager m = NDManager.newBaseManager()) {
            UnsupportedConfigException e = assertThrows(UnsupportedConfigException.class,
                    () -> AutoencoderKL.create(cfg, m, 1));
            assertTrue(e.getMessage().contains("down_block_types"), e.getMessage());
        }
    }

    /** Loads the tiny-sd UNet weights under an edited config and returns max |out - golden|. */
    private static double goldenErrorWithConfig(Path tmp, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode cfg = ModelFixtures.unetConfig();
        edit.accept(cfg);
        Path dir = Files.createDirectories(tmp.resolve("unet-" + System.nanoTime()));
        JSON.writeValue(dir.resolve("config.json").toFile(), cfg);
        Files.copy(ModelFixtures.tinySd().resolve("unet/diffusion_pytorch_model.safetensors"),
                dir.resolve("diffusion_pytorch_model.safetensors"));
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(dir, m);
             SafeTensors t = SafeTensors.open(ModelFixtures.unetCase())) {
            NDArray[] in = ModelFixtures.unetInputs(m);
            NDArray out = unet.forward(in[0], in[1], in[2]);
            return ModelFixtures.maxAbsDiff(out, t.load("out.sample", m));
        }
    }

    @Test
    void equivalentSpellingsOfTheConfigGiveTheSameNetwork(@TempDir Path tmp) throws Exception {
        // Linear proj_in/proj_out with the 1x1 conv weights squeezed computes the same function.
        double linearErr = goldenErrorWithConfig(tmp, c -> c.put("use_linear_projection", true));
        assertTrue(linearErr < 1e-4, "linear projection error " + linearErr);
        // Per-block head counts given as a list.
        assertTrue(goldenErrorWithConfig(tmp, c -> c.putArray("attention_head_dim").add(8).add(8)) < 1e-4);
        // num_attention_heads takes precedence over attention_head_dim.
        assertTrue(goldenErrorWithConfig(tmp, c -> {
            c.put("num_attention_heads", 8);
            c.put("attention_head_dim", 3);
        }) < 1e-4);
        // A different head count changes the output: heads are really split.
        assertTrue(goldenErrorWithConfig(tmp, c -> c.put("attention_head_dim", 2)) > 1e-3);
    }

    @Test
    void weightsThatDoNotMatchTheConfigAreReported(@TempDir Path tmp) {
        Exception e = assertThrows(IllegalArgumentException.class, () -> goldenErrorWithConfig(tmp,
                c -> c.put("layers_per_block", 1)));
        assertTrue(e.getMessage().contains("up_blocks") || e.getMessage().contains("shape")
                || e.getMessage().contains("does not account"), e.getMessage());
        assertEquals(IllegalArgumentException.class, e.getClass());
    }
}

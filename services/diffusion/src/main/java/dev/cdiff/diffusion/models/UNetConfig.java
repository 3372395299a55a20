package dev.cdiff.diffusion.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ConfigReader;
import dev.cdiff.diffusion.io.UnsupportedConfigException;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D.TimeEmbeddingNorm;

import java.util.Arrays;
import java.util.List;

/**
 * The UNet2DConditionModel options this implementation understands, read from a diffusers
 * config.json with diffusers' defaults for absent keys. Per-block options are expanded to one entry
 * per down block. Options that would change the network in ways not implemented are rejected with
 * an {@link UnsupportedConfigException} naming the option.
 */
public record UNetConfig(
        int inChannels,
        int outChannels,
        int sampleSize,
        boolean centerInputSample,
        boolean flipSinToCos,
        double freqShift,
        List<String> downBlockTypes,
        String midBlockType,
        List<String> upBlockTypes,
        int[] blockOutChannels,
        int[] layersPerBlock,
        int downsamplePadding,
        float midBlockScaleFactor,
        int normNumGroups,
        float normEps,
        int[] crossAttentionDim,
        int[] transformerLayersPerBlock,
        int[] reverseTransformerLayersPerBlock,
        int[] attentionHeads,
        boolean useLinearProjection,
        boolean upcastAttention,
        TimeEmbeddingNorm resnetTimeScaleShift,
        int convInKernel,
        int convOutKernel,
        int timeEmbeddingDim,
        JsonNode json) {

    public static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
    public static final String DOWN = "DownBlock2D";
    public static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
    public static final String UP = "UpBlock2D";
    public static final String MID_CROSS_ATTN = "UNetMidBlock2DCrossAttn";

    private static final String C = "unet";

    public static UNetConfig parse(JsonNode json) {
        ConfigReader r = new ConfigReader(C, json);
        rejectUnsupported(r);

        String[] down = r.has("down_block_types") ? r.getStringArray("down_block_types")
                : new String[] {CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN};
        String[] up = r.has("up_block_types") ? r.getStringArray("up_block_types")
                : new String[] {UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP};
        for (String t : down) {
            if (!t.equals(CROSS_ATTN_DOWN) && !t.equals(DOWN)) {
                throw UnsupportedConfigException.option(C, "down_block_types", t);
            }
        }
        for (String t : up) {
            if (!t.equals(CROSS_ATTN_UP) && !t.equals(UP)) {
                throw UnsupportedConfigException.option(C, "up_block_types", t);
            }
        }
        int n = down.length;
        if (up.length != n) {
            throw new UnsupportedConfigException("unet config must have as many up_block_types (" + up.length
                    + ") as down_block_types (" + n + ")");
        }
        JsonNode midNode = json.get("mid_block_type");
        String mid;
        if (midNode == null) {
            mid = MID_CROSS_ATTN;
        } else if (midNode.isNull()) {
            mid = null;
        } else {
            mid = midNode.asText();
            if (!MID_CROSS_ATTN.equals(mid)) {
                throw UnsupportedConfigException.option(C, "mid_block_type", mid);
            }
        }
        int[] channels = r.has("block_out_channels") ? r.getIntArray("block_out_channels")
                : new int[] {320, 640, 1280, 1280};
        requireLength("block_out_channels", channels, n);

        int[] heads = perBlock(r, r.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim", n, 8);
        int[] transformerLayers = perBlock(r, "transformer_layers_per_block", n, 1);
        int[] reverseTransformerLayers;
        if (r.has("reverse_transformer_layers_per_block")) {
            reverseTransformerLayers = perBlock(r, "reverse_transformer_layers_per_block", n, 1);
        } else {
            reverseTransformerLayers = reversed(transformerLayers);
        }
        String shift = r.getChoice("resnet_time_scale_shift", "default", "default", "scale_shift");
        int normGroups = r.getInt("norm_num_groups", 32);
        int convIn = r.getInt("conv_in_kernel", 3);
        int convOut = r.getInt("conv_out_kernel", 3);
        if (convIn % 2 == 0) {
            throw UnsupportedConfigException.option(C, "conv_in_kernel", convIn);
        }
        if (convOut % 2 == 0) {
            throw UnsupportedConfigException.option(C, "conv_out_kernel", convOut);
        }
        return new UNetConfig(
                r.getInt("in_channels", 4),
                r.getInt("out_channels", 4),
                r.getInt("sample_size", 64),
                r.getBoolean("center_input_sample", false),
                r.getBoolean("flip_sin_to_cos", true),
                r.getDouble("freq_shift", 0),
                List.of(down),
                mid,
                List.of(up),
                channels,
                perBlock(r, "layers_per_block", n, 2),
                r.getInt("downsample_padding", 1),
                (float) r.getDouble("mid_block_scale_factor", 1.0),
                normGroups,
                (float) r.getDouble("norm_eps", 1e-5),
                perBlock(r, "cross_attention_dim", n, 1280),
                transformerLayers,
                reverseTransformerLayers,
                heads,
                r.getBoolean("use_linear_projection", false),
                r.getBoolean("upcast_attention", false),
                shift.equals("default") ? TimeEmbeddingNorm.DEFAULT : TimeEmbeddingNorm.SCALE_SHIFT,
                convIn,
                convOut,
                r.getInt("time_embedding_dim", channels[0] * 4),
                json);
    }

    private static void rejectUnsupported(ConfigReader r) {
        r.getChoice("act_fn", "silu", "silu");
        r.getChoice("time_embedding_type", "positional", "positional");
        r.getChoice("attention_type", "default", "default");
        for (String key : List.of("class_embed_type", "num_class_embeds", "addition_embed_type", "encoder_hid_dim",
                "encoder_hid_dim_type", "time_cond_proj_dim", "time_embedding_act_fn", "timestep_post_act",
                "cross_attention_norm")) {
            r.rejectPresent(key);
        }
        r.rejectTrue("dual_cross_attention");
        r.rejectTrue("mid_block_only_cross_attention");
        JsonNode onlyCross = r.get("only_cross_attention");
        if (onlyCross != null) {
            boolean any = onlyCross.isArray()
                    ? java.util.stream.StreamSupport.stream(onlyCross.spliterator(), false).anyMatch(JsonNode::asBoolean)
                    : onlyCross.asBoolean();
            if (any) {
                throw UnsupportedConfigException.option(C, "only_cross_attention", onlyCross);
            }
        }
        if (r.node().has("norm_num_groups") && r.node().get("norm_num_groups").isNull()) {
            throw UnsupportedConfigException.option(C, "norm_num_groups", "null");
        }
    }

    /** An int option given either once for all blocks or as a list with one entry per down block. */
    private static int[] perBlock(ConfigReader r, String key, int n, int fallback) {
        JsonNode v = r.get(key);
        int[] out = new int[n];
        if (v == null) {
            Arrays.fill(out, fallback);
        } else if (v.isArray()) {
            out = r.getIntArray(key);
            requireLength(key, out, n);
        } else if (v.canConvertToInt()) {
            Arrays.fill(out, v.asInt());
        } else {
            throw UnsupportedConfigException.option(C, key, v);
        }
        for (int x : out) {
            if (x <= 0) {
                throw UnsupportedConfigException.option(C, key, v);
            }
        }
        return out;
    }

    private static void requireLength(String key, int[] values, int n) {
        if (values.length != n) {
            throw new UnsupportedConfigException("unet config option " + key + " has " + values.length
                    + " entries but there are " + n + " down blocks");
        }
    }

    private static int[] reversed(int[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[a.length - 1 - i];
        }
        return out;
    }

    public int numBlocks() {
        return downBlockTypes.size();
    }

    /** Width of the encoder hidden states the cross-attention layers expect (first block's value). */
    public int crossAttentionWidth() {
        return crossAttentionDim[0];
    }
}

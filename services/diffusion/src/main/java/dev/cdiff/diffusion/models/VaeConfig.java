package dev.cdiff.diffusion.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ConfigReader;
import dev.cdiff.diffusion.io.UnsupportedConfigException;

/** AutoencoderKL options read from a diffusers config.json (diffusers defaults for absent keys). */
public record VaeConfig(
        int inChannels,
        int outChannels,
        int[] blockOutChannels,
        int layersPerBlock,
        int latentChannels,
        int normNumGroups,
        int sampleSize,
        float scalingFactor,
        float shiftFactor,
        boolean useQuantConv,
        boolean usePostQuantConv,
        boolean midBlockAddAttention,
        JsonNode json) {

    public static final String DOWN_ENCODER = "DownEncoderBlock2D";
    public static final String UP_DECODER = "UpDecoderBlock2D";
    private static final String C = "vae";

    public static VaeConfig parse(JsonNode json) {
        ConfigReader r = new ConfigReader(C, json);
        r.getChoice("act_fn", "silu", "silu");
        int[] channels = r.has("block_out_channels") ? r.getIntArray("block_out_channels") : new int[] {64};
        String[] down = r.has("down_block_types") ? r.getStringArray("down_block_types") : new String[] {DOWN_ENCODER};
        String[] up = r.has("up_block_types") ? r.getStringArray("up_block_types") : new String[] {UP_DECODER};
        for (String t : down) {
            if (!DOWN_ENCODER.equals(t)) {
                throw UnsupportedConfigException.option(C, "down_block_types", t);
            }
        }
        for (String t : up) {
            if (!UP_DECODER.equals(t)) {
                throw UnsupportedConfigException.option(C, "up_block_types", t);
            }
        }
        if (down.length != channels.length || up.length != channels.length) {
            throw new UnsupportedConfigException("vae config needs one down and one up block per block_out_channels"
                    + " entry (" + channels.length + "), got " + down.length + " and " + up.length);
        }
        if (r.node().has("norm_num_groups") && r.node().get("norm_num_groups").isNull()) {
            throw UnsupportedConfigException.option(C, "norm_num_groups", "null");
        }
        return new VaeConfig(
                r.getInt("in_channels", 3),
                r.getInt("out_channels", 3),
                channels,
                r.getInt("layers_per_block", 1),
                r.getInt("latent_channels", 4),
                r.getInt("norm_num_groups", 32),
                r.getInt("sample_size", 32),
                (float) r.getDouble("scaling_factor", 0.18215),
                (float) r.getDouble("shift_factor", 0.0),
                r.getBoolean("use_quant_conv", true),
                r.getBoolean("use_post_quant_conv", true),
                r.getBoolean("mid_block_add_attention", true),
                json);
    }

    /** How many image pixels one latent pixel spans per side (8 for Stable Diffusion). */
    public int downsampleFactor() {
        return 1 << (blockOutChannels.length - 1);
    }
}

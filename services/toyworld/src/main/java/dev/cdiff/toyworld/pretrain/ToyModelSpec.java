package dev.cdiff.toyworld.pretrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Architecture of the toy base model (see PRETRAIN.md): a Stable-Diffusion-shaped VAE, CLIP text encoder and
 * cross-attention UNet, small enough to train on two CPU cores. Produces diffusers/transformers config.json
 * nodes the core's loaders accept.
 */
public record ToyModelSpec(int imageSize, int[] vaeChannels, int latentChannels, int[] unetChannels,
                           int unetLayersPerBlock, int attentionHeadDim, int normGroups, int textHidden,
                           int textLayers, int textHeads, int vocabSize) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int[] PROPOSED_VAE_CHANNELS = {32, 64, 64};
    private static final int VAE_NORM_GROUPS = 8;

    public ToyModelSpec {
        if (vaeChannels.length < 1) throw new IllegalArgumentException("vaeChannels needs at least one block");
        for (int c : vaeChannels) {
            if (c <= 0 || c % VAE_NORM_GROUPS != 0) {
                throw new IllegalArgumentException("vae channel " + c + " is not a positive multiple of the VAE's "
                    + VAE_NORM_GROUPS + " norm groups");
            }
        }
        int factor = 1 << (vaeChannels.length - 1);
        if (imageSize % factor != 0) {
            throw new IllegalArgumentException("imageSize " + imageSize + " is not divisible by the VAE factor " + factor);
        }
        for (int c : unetChannels) {
            if (c % normGroups != 0) throw new IllegalArgumentException("unet channel " + c + " is not divisible by normGroups " + normGroups);
            if (c % attentionHeadDim != 0) throw new IllegalArgumentException("unet channel " + c + " is not divisible by attentionHeadDim " + attentionHeadDim);
        }
        if (textHidden % textHeads != 0) {
            throw new IllegalArgumentException("textHidden " + textHidden + " is not divisible by textHeads " + textHeads);
        }
        vaeChannels = vaeChannels.clone();
        unetChannels = unetChannels.clone();
    }

    /**
     * The configuration of PRETRAIN.md: 32 px images, 8x8 latents with 16 channels, about 3.5M parameters.
     * 16 latent channels rather than SD 1.x's 4 for the reason SD3 and FLUX moved to 16: a 4x4 pixel patch holds a
     * 2-px two-colour pattern (6 colour values and a phase), which 4 numbers cannot encode; the UNet's cost
     * changes only in its first and last convolution.
     */
    public static ToyModelSpec proposed(int vocabSize) {
        return proposed(vocabSize, 16);
    }

    public static ToyModelSpec proposed(int vocabSize, int latentChannels) {
        return proposed(vocabSize, latentChannels, PROPOSED_VAE_CHANNELS);
    }

    /**
     * As above with other VAE blocks: n blocks downsample by 2^(n-1), so {32, 64} gives 16x16 latents. Fewer pixels
     * per latent keep 2-px patterns on small objects (PRETRAIN.md, fifteenth session); a UNet step then costs about
     * 2.4 times as much.
     */
    public static ToyModelSpec proposed(int vocabSize, int latentChannels, int[] vaeChannels) {
        return new ToyModelSpec(32, vaeChannels, latentChannels, new int[] {48, 96}, 1, 8, 16, 64, 2, 4, vocabSize);
    }

    /** The committed model's VAE blocks (factor 4); a copy, for callers to pass on or change. */
    public static int[] proposedVaeChannels() {
        return PROPOSED_VAE_CHANNELS.clone();
    }

    public int latentSize() {
        return imageSize >> (vaeChannels.length - 1);
    }

    public ObjectNode unetConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.put("_class_name", "UNet2DConditionModel");
        c.put("act_fn", "silu");
        c.putNull("addition_embed_type");
        c.put("attention_head_dim", attentionHeadDim);
        ArrayNode ch = c.putArray("block_out_channels");
        ArrayNode down = c.putArray("down_block_types");
        ArrayNode up = c.putArray("up_block_types");
        for (int v : unetChannels) {
            ch.add(v);
            down.add("CrossAttnDownBlock2D");
            up.add("CrossAttnUpBlock2D");
        }
        c.put("center_input_sample", false);
        c.putNull("class_embed_type");
        c.put("conv_in_kernel", 3);
        c.put("conv_out_kernel", 3);
        c.put("cross_attention_dim", textHidden);
        c.putNull("cross_attention_norm");
        c.put("downsample_padding", 1);
        c.put("dropout", 0.0);
        c.put("dual_cross_attention", false);
        c.putNull("encoder_hid_dim");
        c.put("flip_sin_to_cos", true);
        c.put("freq_shift", 0);
        c.put("in_channels", latentChannels);
        c.put("layers_per_block", unetLayersPerBlock);
        c.put("mid_block_scale_factor", 1);
        c.put("mid_block_type", "UNetMidBlock2DCrossAttn");
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", normGroups);
        c.putNull("num_attention_heads");
        c.putNull("num_class_embeds");
        c.put("only_cross_attention", false);
        c.put("out_channels", latentChannels);
        c.put("resnet_time_scale_shift", "default");
        c.put("sample_size", latentSize());
        c.putNull("time_cond_proj_dim");
        c.put("time_embedding_type", "positional");
        c.put("transformer_layers_per_block", 1);
        c.put("upcast_attention", false);
        c.put("use_linear_projection", false);
        return c;
    }

    public ObjectNode vaeConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.put("_class_name", "AutoencoderKL");
        c.put("act_fn", "silu");
        ArrayNode ch = c.putArray("block_out_channels");
        ArrayNode down = c.putArray("down_block_types");
        ArrayNode up = c.putArray("up_block_types");
        for (int v : vaeChannels) {
            ch.add(v);
            down.add("DownEncoderBlock2D");
            up.add("UpDecoderBlock2D");
        }
        c.put("force_upcast", true);
        c.put("in_channels", 3);
        c.put("latent_channels", latentChannels);
        c.put("layers_per_block", 1);
        c.put("mid_block_add_attention", true);
        c.put("norm_num_groups", VAE_NORM_GROUPS);
        c.put("out_channels", 3);
        c.put("sample_size", imageSize);
        // Replaced by 1/std of the training latents after VAE training.
        c.put("scaling_factor", 0.18215);
        c.putNull("shift_factor");
        c.put("use_post_quant_conv", true);
        c.put("use_quant_conv", true);
        return c;
    }

    public ObjectNode textEncoderConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("CLIPTextModel");
        c.put("attention_dropout", 0.0);
        c.put("bos_token_id", vocabSize - 2);
        c.put("eos_token_id", vocabSize - 1);
        c.put("pad_token_id", vocabSize - 1);
        c.put("hidden_act", "quick_gelu");
        c.put("hidden_size", textHidden);
        c.put("initializer_factor", 1.0);
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", textHidden * 2);
        c.put("layer_norm_eps", 1e-5);
        c.put("max_position_embeddings", 77);
        c.put("model_type", "clip_text_model");
        c.put("num_attention_heads", textHeads);
        c.put("num_hidden_layers", textLayers);
        c.put("projection_dim", textHidden);
        c.put("vocab_size", vocabSize);
        return c;
    }
}

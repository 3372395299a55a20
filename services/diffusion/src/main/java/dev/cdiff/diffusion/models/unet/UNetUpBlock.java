package dev.cdiff.diffusion.models.unet;

import ai.djl.ndarray.NDArray;
import dev.cdiff.diffusion.models.nn.AttentionSettings;
import dev.cdiff.diffusion.models.nn.ParamSource;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D;
import dev.cdiff.diffusion.models.nn.Transformer2DModel;
import dev.cdiff.diffusion.models.nn.Upsample2D;

import java.util.ArrayList;
import java.util.List;

/**
 * CrossAttnUpBlock2D or UpBlock2D: each layer concatenates the newest remaining skip connection on
 * the channel axis before its resnet (and transformer); optional upsampler at the end.
 */
public final class UNetUpBlock {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final Upsample2D upsampler;

    /**
     * @param spec           layers = layers_per_block + 1; inChannels = the block's input_channel
     *                       (width of the last skip it consumes), outChannels = its output width
     * @param prevOutChannels width of the hidden state entering the block
     */
    public UNetUpBlock(ParamSource p, String prefix, UNetBlockSpec spec, long prevOutChannels, boolean withAttention,
                       boolean addUpsample, AttentionSettings settings) {
        long out = spec.outChannels();
        for (int i = 0; i < spec.layers(); i++) {
            long skipChannels = i == spec.layers() - 1 ? spec.inChannels() : out;
            long resnetIn = i == 0 ? prevOutChannels : out;
            resnets.add(new ResnetBlock2D(p, prefix + "resnets." + i + ".", resnetIn + skipChannels, out,
                    spec.tembChannels(), spec.groups(), spec.eps(), 1f, spec.timeNorm()));
            if (withAttention) {
                attentions.add(new Transformer2DModel(p, prefix + "attentions." + i + ".", out, spec.heads(),
                        spec.transformerLayers(), spec.groups(), spec.crossAttentionDim(), spec.linearProjection(),
                        settings));
            }
        }
        this.upsampler = addUpsample ? new Upsample2D(p, prefix + "upsamplers.0.", out) : null;
    }

    /**
     * Consumes (removes and closes) {@code layers()} skips from the end of {@code skips}. The
     * upsampler targets the spatial size of the next remaining skip, which equals 2x for sizes
     * divisible by the UNet's total downsampling and matches diffusers' upsample_size otherwise.
     */
    public NDArray forward(NDArray x, NDArray temb, NDArray context, List<NDArray> skips) {
        NDArray h = x;
        for (int i = 0; i < resnets.size(); i++) {
            NDArray skip = skips.remove(skips.size() - 1);
            NDArray next;
            try (NDArray s = skip; NDArray cat = h.concat(s, 1)) {
                next = resnets.get(i).forward(cat, temb);
            }
            if (!attentions.isEmpty()) {
                try (NDArray res = next) {
                    next = attentions.get(i).forward(res, context);
                }
            }
            if (h != x) {
                h.close();
            }
            h = next;
        }
        if (upsampler != null) {
            NDArray up;
            if (skips.isEmpty()) {
                up = upsampler.forward(h);
            } else {
                NDArray target = skips.get(skips.size() - 1);
                up = upsampler.forward(h, target.getShape().get(2), target.getShape().get(3));
            }
            if (h != x) {
                h.close();
            }
            h = up;
        }
        return h;
    }

    public int layers() {
        return resnets.size();
    }
}

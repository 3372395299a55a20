package dev.cdiff.diffusion.models.unet;

import ai.djl.ndarray.NDArray;
import dev.cdiff.diffusion.models.nn.AttentionSettings;
import dev.cdiff.diffusion.models.nn.Downsample2D;
import dev.cdiff.diffusion.models.nn.ParamSource;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D;
import dev.cdiff.diffusion.models.nn.Transformer2DModel;

import java.util.ArrayList;
import java.util.List;

/** CrossAttnDownBlock2D (resnet + transformer per layer) or DownBlock2D (resnets only), optional downsampler. */
public final class UNetDownBlock {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final Downsample2D downsampler;

    public UNetDownBlock(ParamSource p, String prefix, UNetBlockSpec spec, boolean withAttention,
                         boolean addDownsample, int downsamplePadding, AttentionSettings settings) {
        for (int i = 0; i < spec.layers(); i++) {
            long in = i == 0 ? spec.inChannels() : spec.outChannels();
            resnets.add(new ResnetBlock2D(p, prefix + "resnets." + i + ".", in, spec.outChannels(),
                    spec.tembChannels(), spec.groups(), spec.eps(), 1f, spec.timeNorm()));
            if (withAttention) {
                attentions.add(new Transformer2DModel(p, prefix + "attentions." + i + ".", spec.outChannels(),
                        spec.heads(), spec.transformerLayers(), spec.groups(), spec.crossAttentionDim(),
                        spec.linearProjection(), settings));
            }
        }
        this.downsampler = addDownsample
                ? new Downsample2D(p, prefix + "downsamplers.0.", spec.outChannels(), downsamplePadding) : null;
    }

    /**
     * Runs the block, appending every layer's output to {@code skips} (which then owns them);
     * returns the last appended array, the block's output.
     */
    public NDArray forward(NDArray x, NDArray temb, NDArray context, List<NDArray> skips) {
        NDArray h = x;
        for (int i = 0; i < resnets.size(); i++) {
            NDArray r = resnets.get(i).forward(h, temb);
            if (!attentions.isEmpty()) {
                try (NDArray res = r) {
                    r = attentions.get(i).forward(res, context);
                }
            }
            skips.add(r);
            h = r;
        }
        if (downsampler != null) {
            h = downsampler.forward(h);
            skips.add(h);
        }
        return h;
    }

    public int layers() {
        return resnets.size();
    }
}

package dev.cdiff.diffusion.models.unet;

import ai.djl.ndarray.NDArray;
import dev.cdiff.diffusion.models.nn.AttentionSettings;
import dev.cdiff.diffusion.models.nn.ParamSource;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D;
import dev.cdiff.diffusion.models.nn.Transformer2DModel;

/** UNetMidBlock2DCrossAttn with one attention layer: resnet, transformer, resnet. */
public final class UNetMidBlockCrossAttn {
    private final ResnetBlock2D first;
    private final Transformer2DModel attention;
    private final ResnetBlock2D second;

    public UNetMidBlockCrossAttn(ParamSource p, String prefix, UNetBlockSpec spec, float outputScaleFactor,
                                 AttentionSettings settings) {
        long c = spec.inChannels();
        this.first = new ResnetBlock2D(p, prefix + "resnets.0.", c, c, spec.tembChannels(), spec.groups(), spec.eps(),
                outputScaleFactor, spec.timeNorm());
        this.attention = new Transformer2DModel(p, prefix + "attentions.0.", c, spec.heads(), spec.transformerLayers(),
                spec.groups(), spec.crossAttentionDim(), spec.linearProjection(), settings);
        this.second = new ResnetBlock2D(p, prefix + "resnets.1.", c, c, spec.tembChannels(), spec.groups(), spec.eps(),
                outputScaleFactor, spec.timeNorm());
    }

    public NDArray forward(NDArray x, NDArray temb, NDArray context) {
        try (NDArray h = first.forward(x, temb); NDArray a = attention.forward(h, context)) {
            return second.forward(a, temb);
        }
    }
}

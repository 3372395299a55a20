package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers Transformer2DModel for continuous inputs: GroupNorm, proj_in (1x1 conv or linear),
 * transformer blocks over the H*W tokens, proj_out, residual.
 */
public final class Transformer2DModel {
    private static final float GROUP_NORM_EPS = 1e-6f;

    private final GroupNorm norm;
    private final Conv2d projInConv;
    private final Linear projInLinear;
    private final List<BasicTransformerBlock> blocks = new ArrayList<>();
    private final Conv2d projOutConv;
    private final Linear projOutLinear;

    public Transformer2DModel(ParamSource p, String prefix, long channels, int heads, int layers, int groups,
                              long crossAttentionDim, boolean linearProjection, AttentionSettings settings) {
        if (channels % heads != 0) {
            throw new IllegalArgumentException(prefix + ": " + channels + " channels are not divisible by "
                    + heads + " attention heads");
        }
        long headDim = channels / heads;
        long inner = heads * headDim;
        this.norm = new GroupNorm(p, prefix + "norm.", groups, channels, GROUP_NORM_EPS);
        if (linearProjection) {
            this.projInLinear = new Linear(p, prefix + "proj_in.", channels, inner, true);
            this.projInConv = null;
        } else {
            this.projInConv = new Conv2d(p, prefix + "proj_in.", channels, inner, 1, 1, 0);
            this.projInLinear = null;
        }
        for (int i = 0; i < layers; i++) {
            blocks.add(new BasicTransformerBlock(p, prefix + "transformer_blocks." + i + ".", inner, heads, headDim,
                    crossAttentionDim, settings));
        }
        if (linearProjection) {
            this.projOutLinear = new Linear(p, prefix + "proj_out.", inner, channels, true);
            this.projOutConv = null;
        } else {
            this.projOutConv = new Conv2d(p, prefix + "proj_out.", inner, channels, 1, 1, 0);
            this.projOutLinear = null;
        }
    }

    public NDArray forward(NDArray x, NDArray context) {
        long b = x.getShape().get(0);
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        NDArray tokens;
        try (NDArray normed = norm.forward(x)) {
            if (projInConv != null) {
                try (NDArray projected = projInConv.forward(normed)) {
                    tokens = toTokens(projected);
                }
            } else {
                try (NDArray t = toTokens(normed)) {
                    tokens = projInLinear.forward(t);
                }
            }
        }
        for (BasicTransformerBlock block : blocks) {
            try (NDArray previous = tokens) {
                tokens = block.forward(previous, context);
            }
        }
        NDArray out;
        try (NDArray t = tokens) {
            if (projOutConv != null) {
                try (NDArray image = toImage(t, b, h, w)) {
                    out = projOutConv.forward(image);
                }
            } else {
                try (NDArray projected = projOutLinear.forward(t)) {
                    out = toImage(projected, b, h, w);
                }
            }
        }
        try (NDArray o = out) {
            return o.add(x);
        }
    }

    /** [B, C, H, W] -> [B, H*W, C]. */
    private static NDArray toTokens(NDArray image) {
        long b = image.getShape().get(0);
        long c = image.getShape().get(1);
        try (NDArray t = image.transpose(0, 2, 3, 1)) {
            return t.reshape(b, -1, c);
        }
    }

    /**
     * [B, H*W, C] -> [B, C, H, W], contiguous, as diffusers does ({@code permute(0, 3, 1, 2).contiguous()}). The bare
     * permute would be a channels-last view; handed to a convolution it sends libtorch's oneDNN backward through its
     * channels-last ({@code acdb}) brgemm kernels, whose data gradients came out wrong on AVX2 / AVX-512 machines
     * (see docs/djl-notes.md).
     */
    static NDArray toImage(NDArray tokens, long b, long h, long w) {
        long c = tokens.getShape().get(2);
        try (NDArray r = tokens.reshape(b, h, w, c);
             NDArray channelsLast = r.transpose(0, 3, 1, 2)) {
            return Ops.dense(channelsLast);
        }
    }
}

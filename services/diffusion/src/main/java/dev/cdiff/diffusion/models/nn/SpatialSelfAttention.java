package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * The VAE mid-block attention: GroupNorm, then attention over the H*W positions of [B, C, H, W]
 * (to_q/to_k/to_v with bias), to_out.0, residual add, divided by the rescale factor.
 */
public final class SpatialSelfAttention {
    private final GroupNorm groupNorm;
    private final Attention attention;
    private final float rescaleOutputFactor;

    public SpatialSelfAttention(ParamSource p, String prefix, long channels, int heads, int groups, float eps,
                                float rescaleOutputFactor, AttentionSettings settings) {
        this.groupNorm = new GroupNorm(p, prefix + "group_norm.", groups, channels, eps);
        this.attention = new Attention(p, prefix, channels, channels, heads, channels / heads, true, false, settings);
        this.rescaleOutputFactor = rescaleOutputFactor;
    }

    public NDArray forward(NDArray x) {
        long b = x.getShape().get(0);
        long c = x.getShape().get(1);
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        NDArray attended;
        try (NDArray normed = groupNorm.forward(x);
             NDArray flat = normed.reshape(b, c, h * w);
             NDArray tokens = flat.transpose(0, 2, 1);
             NDArray out = attention.forward(tokens, null);
             NDArray back = out.transpose(0, 2, 1)) {
            attended = back.reshape(b, c, h, w);
        }
        NDArray sum;
        try (NDArray a = attended) {
            sum = a.add(x);
        }
        if (rescaleOutputFactor == 1f) {
            return sum;
        }
        try (NDArray s = sum) {
            return Ops.divide(s, rescaleOutputFactor);
        }
    }
}

package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

/** diffusers BasicTransformerBlock (layer_norm variant): self-attention, cross-attention, GEGLU feed-forward. */
public final class BasicTransformerBlock {
    private static final float LAYER_NORM_EPS = 1e-5f;

    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final FeedForward ff;

    public BasicTransformerBlock(ParamSource p, String prefix, long dim, int heads, long headDim,
                                 long crossAttentionDim, AttentionSettings settings) {
        this.norm1 = new LayerNorm(p, prefix + "norm1.", dim, LAYER_NORM_EPS);
        this.attn1 = new Attention(p, prefix + "attn1.", dim, dim, heads, headDim, false, false, settings);
        this.norm2 = new LayerNorm(p, prefix + "norm2.", dim, LAYER_NORM_EPS);
        this.attn2 = new Attention(p, prefix + "attn2.", dim, crossAttentionDim, heads, headDim, false, true, settings);
        this.norm3 = new LayerNorm(p, prefix + "norm3.", dim, LAYER_NORM_EPS);
        this.ff = new FeedForward(p, prefix + "ff.", dim, dim * 4);
    }

    public NDArray forward(NDArray x, NDArray context) {
        NDArray afterSelf;
        try (NDArray n = norm1.forward(x); NDArray a = attn1.forward(n, null)) {
            afterSelf = a.add(x);
        }
        NDArray afterCross;
        try (NDArray h = afterSelf; NDArray n = norm2.forward(h); NDArray a = attn2.forward(n, context)) {
            afterCross = a.add(h);
        }
        try (NDArray h = afterCross; NDArray n = norm3.forward(h); NDArray f = ff.forward(n)) {
            return f.add(h);
        }
    }
}

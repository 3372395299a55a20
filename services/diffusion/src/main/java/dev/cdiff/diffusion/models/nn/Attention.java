package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * diffusers' Attention with the default processor, for token sequences [B, N, C]: to_q / to_k / to_v,
 * multi-head scaled dot-product attention, to_out.0. As cross-attention it can stop gradients through
 * the key and value of the first context token (Custom Diffusion detaches the BOS token's K/V).
 */
public final class Attention {
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final int heads;
    private final boolean cross;
    private final AttentionSettings settings;

    /**
     * @param contextDim width of the key/value input (the query width for self-attention)
     * @param qkvBias    whether to_q/to_k/to_v have a bias (false in the UNet, true in the VAE)
     */
    public Attention(ParamSource p, String prefix, long queryDim, long contextDim, int heads, long headDim,
                     boolean qkvBias, boolean cross, AttentionSettings settings) {
        long inner = heads * headDim;
        this.toQ = new Linear(p, prefix + "to_q.", queryDim, inner, qkvBias);
        this.toK = new Linear(p, prefix + "to_k.", contextDim, inner, qkvBias);
        this.toV = new Linear(p, prefix + "to_v.", contextDim, inner, qkvBias);
        this.toOut = new Linear(p, prefix + "to_out.0.", inner, queryDim, true);
        this.heads = heads;
        this.cross = cross;
        this.settings = settings;
    }

    /** @param context [B, M, contextDim] for cross-attention, ignored (may be null) for self-attention */
    public NDArray forward(NDArray x, NDArray context) {
        NDArray kvInput = cross ? context : x;
        if (cross && context == null) {
            throw new IllegalArgumentException("cross-attention needs encoder hidden states");
        }
        try (NDArray q = toQ.forward(x);
             NDArray k = keyOrValue(toK, kvInput);
             NDArray v = keyOrValue(toV, kvInput);
             NDArray attended = ScaledDotProductAttention.attend(q, k, v, heads, settings.maxScoreElements())) {
            return toOut.forward(attended);
        }
    }

    private NDArray keyOrValue(Linear proj, NDArray input) {
        NDArray projected = proj.forward(input);
        if (!cross || !settings.detachFirstTokenKv()) {
            return projected;
        }
        long tokens = projected.getShape().get(1);
        // Built with engine ops (not from a Java buffer): autograd keeps the mask for the backward pass.
        try (NDArray p = projected;
             NDArray positions = p.getManager().arange(0f, (float) tokens, 1f, DataType.FLOAT32);
             NDArray keepRow = positions.gt(0f);
             NDArray keep = keepRow.toType(DataType.FLOAT32, false);
             NDArray mask = keep.reshape(1, tokens, 1);
             NDArray invMask = mask.neg().addi(1f);
             NDArray frozen = p.stopGradient();
             NDArray live = p.mul(mask);
             NDArray still = frozen.mul(invMask)) {
            return live.add(still);
        }
    }

    public Linear toK() {
        return toK;
    }

    public Linear toV() {
        return toV;
    }
}

package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

/** torch.nn.LayerNorm over the last dimension with affine parameters. */
public final class LayerNorm {
    private final Param weight;
    private final Param bias;
    private final float eps;

    public LayerNorm(ParamSource p, String prefix, long dim, float eps) {
        this.weight = p.ones(prefix + "weight", dim);
        this.bias = p.zeros(prefix + "bias", dim);
        this.eps = eps;
    }

    public NDArray forward(NDArray x) {
        return Ops.layerNorm(x, weight.get(), bias.get(), eps);
    }
}

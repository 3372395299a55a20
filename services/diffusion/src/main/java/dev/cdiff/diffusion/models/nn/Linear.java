package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

/** torch.nn.Linear: weight [out, in], optional bias [out]. */
public final class Linear {
    private final Param weight;
    private final Param bias;

    public Linear(ParamSource p, String prefix, long in, long out, boolean withBias) {
        this.weight = p.weight(prefix + "weight", in, out, in);
        this.bias = withBias ? p.bias(prefix + "bias", in, out) : null;
    }

    public NDArray forward(NDArray x) {
        return Ops.linear(x, weight.get(), bias == null ? null : bias.get());
    }

    public Param weight() {
        return weight;
    }
}

package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

/** torch.nn.GroupNorm with affine parameters. */
public final class GroupNorm {
    private final Param weight;
    private final Param bias;
    private final int groups;
    private final float eps;

    public GroupNorm(ParamSource p, String prefix, int groups, long channels, float eps) {
        if (groups <= 0 || channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm " + prefix + ": " + channels
                    + " channels cannot be split into " + groups + " groups");
        }
        this.weight = p.ones(prefix + "weight", channels);
        this.bias = p.zeros(prefix + "bias", channels);
        this.groups = groups;
        this.eps = eps;
    }

    public NDArray forward(NDArray x) {
        return Ops.groupNorm(x, groups, weight.get(), bias.get(), eps);
    }
}

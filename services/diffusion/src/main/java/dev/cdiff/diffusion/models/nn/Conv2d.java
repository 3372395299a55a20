package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

/** torch.nn.Conv2d with square kernel, bias, symmetric padding. */
public final class Conv2d {
    private final Param weight;
    private final Param bias;
    private final int stride;
    private final int padding;

    public Conv2d(ParamSource p, String prefix, long in, long out, int kernel, int stride, int padding) {
        long fanIn = in * kernel * kernel;
        this.weight = p.weight(prefix + "weight", fanIn, out, in, kernel, kernel);
        this.bias = p.bias(prefix + "bias", fanIn, out);
        this.stride = stride;
        this.padding = padding;
    }

    public NDArray forward(NDArray x) {
        return Ops.conv2d(x, weight.get(), bias.get(), stride, padding);
    }
}

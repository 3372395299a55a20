package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

/** Nearest-neighbour upsampling (2x, or to an explicit size) followed by a 3x3 conv. */
public final class Upsample2D {
    private final Conv2d conv;

    public Upsample2D(ParamSource p, String prefix, long channels) {
        this.conv = new Conv2d(p, prefix + "conv.", channels, channels, 3, 1, 1);
    }

    public NDArray forward(NDArray x) {
        return forward(x, x.getShape().get(2) * 2, x.getShape().get(3) * 2);
    }

    public NDArray forward(NDArray x, long height, long width) {
        try (NDArray up = Ops.nearest(x, height, width)) {
            return conv.forward(up);
        }
    }
}

package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Stride-2 3x3 conv; with padding 0 the input is first padded by one on the right and bottom (as diffusers does). */
public final class Downsample2D {
    private final Conv2d conv;
    private final int padding;

    public Downsample2D(ParamSource p, String prefix, long channels, int padding) {
        this.conv = new Conv2d(p, prefix + "conv.", channels, channels, 3, 2, padding);
        this.padding = padding;
    }

    public NDArray forward(NDArray x) {
        if (padding != 0) {
            return conv.forward(x);
        }
        try (NDArray padded = x.pad(new Shape(0, 1, 0, 1), 0)) {
            return conv.forward(padded);
        }
    }
}

package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * diffusers ResnetBlock2D: norm1, silu, conv1, (+ projected time embedding), norm2, silu, conv2,
 * plus a 1x1 conv shortcut when the channel count changes; output divided by outputScaleFactor.
 */
public final class ResnetBlock2D {
    /** How the time embedding enters: added before norm2, or as (scale, shift) after norm2. */
    public enum TimeEmbeddingNorm { DEFAULT, SCALE_SHIFT }

    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final float outputScaleFactor;
    private final TimeEmbeddingNorm timeNorm;

    /** @param tembChannels width of the time embedding, or 0 for blocks without one (the VAE) */
    public ResnetBlock2D(ParamSource p, String prefix, long in, long out, long tembChannels, int groups, float eps,
                         float outputScaleFactor, TimeEmbeddingNorm timeNorm) {
        this.norm1 = new GroupNorm(p, prefix + "norm1.", groups, in, eps);
        this.conv1 = new Conv2d(p, prefix + "conv1.", in, out, 3, 1, 1);
        long projOut = timeNorm == TimeEmbeddingNorm.SCALE_SHIFT ? 2 * out : out;
        this.timeEmbProj = tembChannels > 0 ? new Linear(p, prefix + "time_emb_proj.", tembChannels, projOut, true) : null;
        this.norm2 = new GroupNorm(p, prefix + "norm2.", groups, out, eps);
        this.conv2 = new Conv2d(p, prefix + "conv2.", out, out, 3, 1, 1);
        this.convShortcut = in != out ? new Conv2d(p, prefix + "conv_shortcut.", in, out, 1, 1, 0) : null;
        this.outputScaleFactor = outputScaleFactor;
        this.timeNorm = timeNorm;
    }

    /** @param temb [B, tembChannels] or null when the block has no time embedding */
    public NDArray forward(NDArray x, NDArray temb) {
        NDArray h;
        try (NDArray n = norm1.forward(x); NDArray a = Ops.silu(n)) {
            h = conv1.forward(a);
        }
        NDArray projected = null;
        if (timeEmbProj != null && temb != null) {
            try (NDArray t = Ops.silu(temb); NDArray lin = timeEmbProj.forward(t)) {
                projected = lin.reshape(lin.getShape().get(0), lin.getShape().get(1), 1, 1);
            }
        }
        NDArray normed;
        try (NDArray h1 = h) {
            if (projected == null) {
                normed = norm2.forward(h1);
            } else if (timeNorm == TimeEmbeddingNorm.DEFAULT) {
                try (NDArray t = projected; NDArray sum = h1.add(t)) {
                    normed = norm2.forward(sum);
                }
            } else {
                try (NDArray t = projected; NDArray n2 = norm2.forward(h1)) {
                    var parts = t.split(2, 1);
                    try (NDArray scale = parts.get(0); NDArray shift = parts.get(1);
                         NDArray onePlus = scale.add(1f); NDArray scaled = n2.mul(onePlus)) {
                        normed = scaled.add(shift);
                    }
                }
            }
        }
        NDArray residual;
        try (NDArray n = normed; NDArray a = Ops.silu(n)) {
            residual = conv2.forward(a);
        }
        try (NDArray r = residual; NDArray shortcut = convShortcut != null ? convShortcut.forward(x) : null) {
            NDArray sum = r.add(shortcut != null ? shortcut : x);
            if (outputScaleFactor == 1f) {
                return sum;
            }
            try (NDArray s = sum) {
                return Ops.divide(s, outputScaleFactor);
            }
        }
    }
}

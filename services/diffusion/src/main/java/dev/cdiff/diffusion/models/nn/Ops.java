package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Functional building blocks. Every result lands in the manager of the activation argument (the
 * caller's per-step manager), never in a weight's manager, so repeated forwards do not grow the
 * model's memory. Helpers close the temporaries they create; the returned array belongs to the caller.
 */
public final class Ops {
    private Ops() {
    }

    /** Moves an array derived from a weight (e.g. a reshaped view) into the activation's manager. */
    public static NDArray local(NDArray derivedFromWeight, NDArray activation) {
        derivedFromWeight.attach(activation.getManager());
        return derivedFromWeight;
    }

    /**
     * {@code x * c} with the constant as an engine-owned 0-d tensor. DJL's {@code mul(Number)} wraps the number in a
     * Java direct buffer via {@code from_blob} and drops it right after the op, but autograd keeps that tensor for
     * the backward pass (MulBackward saves the other operand), so gradients would read freed memory — random NaN or
     * run-to-run differences. {@code full} allocates inside PyTorch, so closing our handle is safe.
     */
    public static NDArray scale(NDArray x, float c) {
        try (NDArray constant = x.getManager().full(new Shape(), c)) {
            return x.mul(constant);
        }
    }

    /** {@code x / c}, safe under autograd for the same reason as {@link #scale}. */
    public static NDArray divide(NDArray x, float c) {
        try (NDArray constant = x.getManager().full(new Shape(), c)) {
            return x.div(constant);
        }
    }

    public static NDArray silu(NDArray x) {
        try (NDArray sig = x.getNDArrayInternal().sigmoid()) {
            return x.mul(sig);
        }
    }

    public static NDArray gelu(NDArray x) {
        return x.getNDArrayInternal().gelu();
    }

    /**
     * torch.nn.functional.linear. An input of more than two dimensions goes to the engine as the 2-D view [rows, in]
     * and comes back reshaped: libtorch 2.5.1's linear runs a 3-D input as a product and then a separate bias add,
     * while a 2-D one is a single {@code addmm} with the bias in the GEMM, which is what PyTorch 2's own linear does for
     * a contiguous 3-D input. At the toy models' shapes that is 27-81 us against 22-49 us per call (the 384-wide
     * feed-forward projection gains most), and one elementwise pass less in forward and backward.
     */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        Shape s = x.getShape();
        if (s.dimension() <= 2) {
            return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        }
        long in = s.get(s.dimension() - 1);
        try (NDArray flat = x.reshape(-1, in);
             NDArray out = flat.getNDArrayInternal().linear(flat, weight, bias).singletonOrThrow()) {
            return out.reshape(s.slice(0, s.dimension() - 1).add(weight.getShape().get(0)));
        }
    }

    /**
     * Channel counts the engine's convolution kernels are given: multiples of oneDNN's 16-wide channel block.
     * libtorch 2.5.1 and 2.7.1 (oneDNN 3.5 / 3.7) computed wrong results on an AMD Zen 5 CPU for convolutions whose
     * channels only partly fill a block: data gradients at AVX-512 and AVX2 when the output channels are not a multiple
     * of 16, and even forward outputs at AVX2 (input channels 15), while every full-block shape was right at every ISA
     * level (docs/djl-notes.md, point 10). So such a convolution runs zero-padded to full blocks, which is the same
     * arithmetic: zero input channels meet zero weights, and the extra output channels are cut off.
     */
    static final int CHANNEL_BLOCK = 16;

    /**
     * A 2-D convolution whose input always reaches the engine as dense NCHW. A channels-last input (a bare permute,
     * an NHWC tensor viewed as NCHW) makes libtorch pick oneDNN's channels-last kernels, and on an AMD Zen 5 CPU at its
     * own AVX-512 level those computed 3x3 convolutions with full 16-channel blocks wrong, forward: outputs off their
     * float64 reference by 65-73 % relative (48 -> 48 stride 1 and 2, 144 -> 48, 16 -> 48), while the dense input was
     * right at every level (docs/djl-notes.md, point 10). The densifying view costs two engine calls when the input is
     * already dense, and copies only when it is not.
     */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        Shape ws = weight.getShape();
        Shape xs = x.getShape();
        if (ws.get(2) == 1 && ws.get(3) == 1 && stride == 1 && padding == 0
                && xs.get(0) * xs.get(2) * xs.get(3) <= POINTWISE_AS_PRODUCT_MAX_PIXELS) {
            return pointwise(x, weight, bias);
        }
        try (NDArray denseInput = dense(x)) {
            return denseConv2d(denseInput, weight, bias, stride, padding);
        }
    }

    /**
     * Up to this many pixels (batch x height x width), a 1x1 convolution runs as one matrix product: at the small
     * models' sizes oneDNN spends 100-150 us per call on reorders and set-up around a few microseconds of arithmetic,
     * while the product of [out, in] with [batch, in, pixels] takes 40-90 us; from about 2,048 pixels on the
     * convolution is as fast or faster (docs/performance.md).
     */
    static final long POINTWISE_AS_PRODUCT_MAX_PIXELS = 1024;

    /** A 1x1 convolution, stride 1, no padding, as W [out, in] x [B, in, H*W] plus the bias per output channel. */
    private static NDArray pointwise(NDArray x, NDArray weight, NDArray bias) {
        Shape xs = x.getShape();
        long out = weight.getShape().get(0);
        long in = weight.getShape().get(1);
        try (NDArray w = local(weight.reshape(out, in), x);
             NDArray pixels = x.reshape(xs.get(0), in, xs.get(2) * xs.get(3));
             NDArray y = w.matMul(pixels)) {
            if (bias == null) {
                return y.reshape(xs.get(0), out, xs.get(2), xs.get(3));
            }
            try (NDArray b = local(bias.reshape(out, 1), x); NDArray withBias = y.add(b)) {
                return withBias.reshape(xs.get(0), out, xs.get(2), xs.get(3));
            }
        }
    }

    private static NDArray denseConv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        Shape ws = weight.getShape();
        long out = ws.get(0);
        long in = ws.get(1);
        long outPadded = fullBlocks(out);
        long inPadded = fullBlocks(in);
        if (outPadded == out && inPadded == in) {
            return convolution(x, weight, bias, stride, padding);
        }
        NDManager activations = x.getManager();
        try (NDManager temps = activations.newSubManager()) {
            NDArray xp = x;
            NDArray wp = weight;
            NDArray bp = bias;
            if (inPadded > in) {
                Shape xs = x.getShape();
                xp = temp(x.concat(temps.zeros(new Shape(xs.get(0), inPadded - in, xs.get(2), xs.get(3)), x.getDataType()), 1), temps);
                wp = temp(wp.concat(temps.zeros(new Shape(out, inPadded - in, ws.get(2), ws.get(3)), weight.getDataType()), 1), temps);
            }
            if (outPadded > out) {
                wp = temp(wp.concat(temps.zeros(new Shape(outPadded - out, inPadded, ws.get(2), ws.get(3)), weight.getDataType()), 0), temps);
                if (bias != null) {
                    bp = temp(bias.concat(temps.zeros(new Shape(outPadded - out), bias.getDataType()), 0), temps);
                }
            }
            NDArray y = temp(convolution(xp, wp, bp, stride, padding), temps);
            NDArray result;
            if (outPadded > out) {
                // the cut is a strided view, which a later convolution must not be handed as it is
                result = dense(temp(y.get(new NDIndex(":, 0:" + out)), temps));
            } else {
                result = y;
            }
            result.attach(activations);
            return result;
        }
    }

    /**
     * A dense copy of a strided view (a permute, a channel cut), as PyTorch's {@code .contiguous()}, which DJL does not
     * expose: flattening a view that cannot be flattened in place forces the copy, and the reshape back is a free view.
     * A convolution handed the view itself takes other oneDNN kernels, whose gradients came out wrong on some CPUs
     * (docs/djl-notes.md, point 10).
     */
    public static NDArray dense(NDArray view) {
        Shape s = view.getShape();
        try (NDArray flat = view.reshape(s.get(0), -1)) {
            return flat.reshape(s);
        }
    }

    private static long fullBlocks(long channels) {
        return (channels + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK;
    }

    private static NDArray temp(NDArray a, NDManager temps) {
        a.attach(temps);
        return a;
    }

    private static NDArray convolution(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        return x.getNDArrayInternal().convolution(x, weight, bias, new Shape(stride, stride),
                new Shape(padding, padding), new Shape(1, 1), 1).singletonOrThrow();
    }

    public static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, float eps) {
        Shape normalized = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        return x.getNDArrayInternal().layerNorm(x, normalized, gamma, beta, eps).singletonOrThrow();
    }

    /**
     * torch.nn.GroupNorm on [N, C, ...]: statistics per (sample, group) with biased variance and eps
     * inside the square root — the same arithmetic as a layer norm over each group's elements, which
     * PyTorch provides fused; the per-channel affine follows.
     */
    public static NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        if (c % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: " + c + " channels are not divisible into " + groups + " groups");
        }
        long perGroup = s.size() / (n * groups);
        NDManager m = x.getManager();
        long[] channelShape = new long[s.dimension()];
        java.util.Arrays.fill(channelShape, 1);
        channelShape[1] = c;
        try (NDArray grouped = x.reshape(n, groups, perGroup);
             NDArray unitScale = m.ones(new Shape(perGroup), x.getDataType());
             NDArray zeroShift = m.zeros(new Shape(perGroup), x.getDataType());
             NDArray normed = grouped.getNDArrayInternal()
                     .layerNorm(grouped, new Shape(perGroup), unitScale, zeroShift, eps).singletonOrThrow();
             NDArray restored = normed.reshape(s);
             NDArray g = local(gamma.reshape(channelShape), x);
             NDArray b = local(beta.reshape(channelShape), x);
             NDArray scaled = restored.mul(g)) {
            return scaled.add(b);
        }
    }

    /** Nearest-neighbour resize of [N, C, H, W] to the given spatial size (F.interpolate mode="nearest"). */
    public static NDArray nearest(NDArray x, long height, long width) {
        return x.getNDArrayInternal().interpolation(new long[] {height, width}, 0, false);
    }
}

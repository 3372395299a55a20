package dev.cdiff.diffusion.models.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.cdiff.diffusion.backend.BackendFingerprint;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the engine's convolution data gradient (oneDNN {@code backward_data}, the kernels that differ between SSE4.1,
 * AVX2 and AVX-512 paths) against the convolution's forward pass alone, on every machine and ISA level.
 *
 * <p>A convolution without bias is linear in its input, so for any output weights g and any direction d,
 * {@code <dL/dx, d> = <g, conv(d)>} where {@code L = <g, conv(x)>}. Forward kernels are checked by the reference cases
 * at every level; this identity then pins the backward kernels without any reference file. Inputs are fed both as
 * contiguous NCHW and as the channels-last view a bare permute makes, the two layouts that take different kernels,
 * at the UNet's shapes (3x3 stride 1 and 2, 1x1), and with channel counts that only partly fill oneDNN's 16-wide
 * blocks (a UNet's conv_in and conv_out, a VAE's RGB ends): on an AMD Zen 5 CPU libtorch's own kernels for those got
 * the data gradient wrong by 1-7 % at AVX-512 and AVX2, which {@link Ops#conv2d} avoids. The weight gradient, which
 * full fine-tuning and pretraining use, is pinned the same way: L is linear in the weight too.
 */
class ConvolutionBackwardAdjointTest {
    @ParameterizedTest(name = "k{0} s{1} in{2} out{3} {4}x{4} channelsLast={5}")
    @CsvSource({"3,1,32,32,16,false", "3,1,32,32,16,true", "3,2,32,32,16,false", "3,2,32,32,16,true",
            "1,1,32,32,16,false", "1,1,32,32,16,true", "3,1,64,64,8,false", "3,2,64,64,8,true", "1,1,96,96,8,false",
            "3,1,4,4,16,false", "3,1,32,4,16,false", "3,1,4,32,16,false", "3,1,48,16,8,false", "3,1,128,3,8,false",
            "3,1,3,32,8,false", "3,2,15,32,8,false", "1,1,8,4,8,false", "3,1,64,8,8,true", "1,1,32,32,24,false", "1,1,32,32,24,true"})
    void gradientsMatchTheAdjointOfTheForwardPass(int k, int stride, int in, int out, int side, boolean channelsLast) {
        int batch = 4;
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            NDArray tokens = m.randomNormal(new Shape(batch, (long) side * side, in));
            NDArray weight = m.randomNormal(new Shape(out, in, k, k));
            NDArray direction = m.randomNormal(new Shape(batch, in, side, side));
            NDArray weightDirection = m.randomNormal(new Shape(out, in, k, k));
            long outSide = (side + 2L * (k / 2) - k) / stride + 1;
            NDArray outWeights = m.randomNormal(new Shape(batch, out, outSide, outSide));
            tokens.setRequiresGradient(true);
            weight.setRequiresGradient(true);
            NDArray image;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                image = tokens.reshape(batch, side, side, in).transpose(0, 3, 1, 2);
                if (!channelsLast) {
                    image = image.reshape(batch, -1).reshape(batch, in, side, side);
                }
                NDArray y = Ops.conv2d(image, weight, null, stride, k / 2);
                gc.backward(y.mul(outWeights).sum());
            }
            String where = ", k" + k + " s" + stride + " " + in + "->" + out + " channels, on "
                    + BackendFingerprint.current().describe();
            // dL/dtokens is dL/dx permuted back; pair it with the direction in token layout
            NDArray directionTokens = direction.transpose(0, 2, 3, 1).reshape(batch, (long) side * side, in);
            double lhs = tokens.getGradient().mul(directionTokens).sum().getFloat();
            NDArray terms = Ops.conv2d(direction, weight.stopGradient(), null, stride, k / 2).mul(outWeights);
            assertAdjoint(lhs, terms, "conv backward_data" + where);
            double weightLhs = weight.getGradient().mul(weightDirection).sum().getFloat();
            NDArray weightTerms = Ops.conv2d(image.stopGradient(), weightDirection, null, stride, k / 2).mul(outWeights);
            assertAdjoint(weightLhs, weightTerms, "conv backward_weights" + where);
        }
    }

    private static void assertAdjoint(double lhs, NDArray terms, String what) {
        double rhs = terms.sum().getFloat();
        // float32 rounding grows with the sum of magnitudes, not with the (cancelling) sum itself
        double rel = Math.abs(lhs - rhs) / terms.abs().sum().getFloat();
        assertTrue(rel < 1e-6, what + ": the gradient gives " + lhs + ", the forward pass " + rhs + " (relative " + rel
                + ")");
    }
}

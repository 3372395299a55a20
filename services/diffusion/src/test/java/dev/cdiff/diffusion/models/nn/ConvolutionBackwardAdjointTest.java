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
 * at the UNet's shapes (3x3 stride 1 and 2, 1x1).
 */
class ConvolutionBackwardAdjointTest {
    @ParameterizedTest(name = "k{0} s{1} c{2} {3}x{3} channelsLast={4}")
    @CsvSource({"3,1,32,16,false", "3,1,32,16,true", "3,2,32,16,false", "3,2,32,16,true", "1,1,32,16,false",
            "1,1,32,16,true", "3,1,64,8,false", "3,2,64,8,true", "1,1,96,8,false", "3,1,4,16,false"})
    void dataGradientMatchesTheAdjointOfTheForwardPass(int k, int stride, int channels, int side, boolean channelsLast) {
        int batch = 4;
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            NDArray tokens = m.randomNormal(new Shape(batch, (long) side * side, channels));
            NDArray weight = m.randomNormal(new Shape(channels, channels, k, k));
            NDArray direction = m.randomNormal(new Shape(batch, channels, side, side));
            long outSide = (side + 2L * (k / 2) - k) / stride + 1;
            NDArray outWeights = m.randomNormal(new Shape(batch, channels, outSide, outSide));
            tokens.setRequiresGradient(true);
            double lhs;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray image = tokens.reshape(batch, side, side, channels).transpose(0, 3, 1, 2);
                if (!channelsLast) {
                    image = image.reshape(batch, -1).reshape(batch, channels, side, side);
                }
                NDArray out = Ops.conv2d(image, weight, null, stride, k / 2);
                gc.backward(out.mul(outWeights).sum());
            }
            // dL/dtokens is dL/dx permuted back; pair it with the direction in token layout
            NDArray directionTokens = direction.transpose(0, 2, 3, 1).reshape(batch, (long) side * side, channels);
            lhs = tokens.getGradient().mul(directionTokens).sum().getFloat();
            NDArray terms = Ops.conv2d(direction, weight, null, stride, k / 2).mul(outWeights);
            double rhs = terms.sum().getFloat();
            // float32 rounding grows with the sum of magnitudes, not with the (cancelling) sum itself
            double rel = Math.abs(lhs - rhs) / terms.abs().sum().getFloat();
            assertTrue(rel < 1e-6, "conv backward_data disagrees with its forward pass: <grad, d> = " + lhs
                    + ", <g, conv(d)> = " + rhs + " (relative " + rel + ") on " + BackendFingerprint.current().describe());
        }
    }
}

package dev.cdiff.diffusion.models.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.backend.BackendFingerprint;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks {@link Ops#conv2d} forward against a float64 reference that never reaches oneDNN: a sum over the kernel's
 * taps of [out, in] x [in, pixels] matrix products on shifted, strided slices of the zero-padded input. The golden
 * cases check forward convolutions only at the shapes of their models; on an AMD Zen 5 CPU libtorch's AVX2 kernel for
 * 15 input channels returned outputs off by 20-30 %, so the odd channel counts are checked here, on every machine and
 * ISA level the build runs. On the same CPU at its own level (AVX-512), a channels-last input sent 3x3 convolutions
 * with full 16-channel blocks (48 -> 48, 144 -> 48, 16 -> 48, stride 1 and 2) to kernels whose outputs were off by
 * about 2 (outputs of order 1), while the dense input was right; those layouts are checked here too.
 */
class ConvolutionForwardReferenceTest {
    /** Side 8 gives 128 pixels, so 1x1 cases take {@code Ops.conv2d}'s matrix product; side 24 (1,152) the engine's. */
    @ParameterizedTest(name = "k{0} s{1} in{2} out{3} channelsLast={4} side{5}")
    @CsvSource({"3,1,15,32,false,8", "3,2,15,16,false,8", "3,1,3,32,false,8", "3,1,32,3,false,8", "3,1,4,48,false,8",
            "3,1,48,4,false,8", "1,1,8,4,false,8", "3,2,32,32,false,8", "1,1,64,16,false,8",
            "3,1,48,48,true,8", "3,2,48,48,true,8", "3,1,144,48,true,8", "3,1,16,48,true,8", "1,1,48,48,true,8",
            "3,1,32,3,true,8", "1,1,64,16,false,24", "1,1,48,48,true,24"})
    void matchesTheShiftAndMultiplyReference(int k, int stride, int in, int out, boolean channelsLast, int side) {
        int batch = 2;
        int pad = k / 2;
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            NDArray x = m.randomNormal(new Shape(batch, in, side, side));
            NDArray w = m.randomNormal(new Shape(out, in, k, k));
            NDArray bias = m.randomNormal(new Shape(out));
            // the same values as a channels-last view (what a bare permute of tokens or an NHWC tensor gives)
            NDArray input = channelsLast ? x.transpose(0, 2, 3, 1).reshape(batch, -1)
                    .reshape(batch, side, side, in).transpose(0, 3, 1, 2) : x;
            NDArray y = Ops.conv2d(input, w, bias, stride, pad).toType(DataType.FLOAT64, false);

            NDArray padded = m.zeros(new Shape(batch, in, side + 2L * pad, side + 2L * pad), DataType.FLOAT64);
            padded.set(new NDIndex(":, :, {}:{}, {}:{}", pad, pad + side, pad, pad + side), x.toType(DataType.FLOAT64, false));
            long outSide = (side + 2L * pad - k) / stride + 1;
            long span = stride * (outSide - 1) + 1;
            NDArray ref = bias.toType(DataType.FLOAT64, false).reshape(1, out, 1, 1)
                    .broadcast(new Shape(batch, out, outSide, outSide));
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    NDArray tap = padded.get(new NDIndex(":, :, {}:{}:{}, {}:{}:{}", i, i + span, stride, j, j + span, stride));
                    NDArray pixels = tap.transpose(1, 0, 2, 3).reshape(in, -1);
                    NDArray wTap = w.get(new NDIndex(":, :, {}, {}", i, j)).toType(DataType.FLOAT64, false);
                    ref = ref.add(wTap.matMul(pixels).reshape(out, batch, outSide, outSide).transpose(1, 0, 2, 3));
                }
            }
            double err = y.sub(ref).abs().max().getDouble() / ref.abs().max().getDouble();
            assertTrue(err < 1e-5, "conv forward (k" + k + " s" + stride + " " + in + "->" + out
                    + " channels) is off its float64 reference by " + err + " relative, on " + BackendFingerprint.current().describe());
        }
    }
}

package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformer hands proj_out and the residual a dense NCHW image, as diffusers does with
 * {@code permute(0, 3, 1, 2).contiguous()}. A bare permute is a channels-last view, which sends the convolution's
 * backward pass through oneDNN's channels-last kernels instead of the ones the reference takes.
 */
class TransformerOutputLayoutTest {
    /** torch's {@code is_contiguous()}; DJL's public API does not expose strides. */
    private static boolean isContiguous(NDArray a) throws Exception {
        Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
        Field instance = lib.getDeclaredField("LIB");
        instance.setAccessible(true);
        Method check = lib.getDeclaredMethod("torchIsContiguous", long.class);
        check.setAccessible(true);
        return (boolean) check.invoke(instance.get(null), ((PtNDArray) a).getHandle());
    }

    @Test
    void tokensBecomeADenseImageWithTheSameValues() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray tokens = m.arange(0f, 2f * 6 * 5, 1f).reshape(2, 6, 5);   // [B, H*W, C], H=2, W=3
            NDArray bare = tokens.reshape(2, 2, 3, 5).transpose(0, 3, 1, 2);
            assertFalse(isContiguous(bare), "a bare permute is a strided view (the detector must see that)");
            NDArray image = Transformer2DModel.toImage(tokens, 2, 2, 3);
            assertTrue(isContiguous(image), "the transformer output must be contiguous NCHW");
            assertArrayEquals(new long[] {2, 5, 2, 3}, image.getShape().getShape());
            assertArrayEquals(bare.toFloatArray(), image.toFloatArray());
        }
    }
}

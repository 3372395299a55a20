package dev.cdiff.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fp16 sampling on CPU: libtorch 2.5.1's CPU kernels take float16 convolutions, linear layers, layer norms and
 * batched products (checked here by running them); bfloat16 is refused before any array exists, because DJL 0.33
 * aborts the JVM on a BFLOAT16 array.
 */
class HalfPrecisionSamplingTest {
    private static NDManager manager;
    private static StableDiffusion sd;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        sd = StableDiffusion.load(GoldenFolder.configured().resolve("models/tiny-sd"), manager);
    }

    @AfterAll
    static void close() {
        sd.close();
        manager.close();
    }

    @Test
    void fp16SamplingRunsInHalfPrecisionAndStaysCloseToFp32() {
        UNet2DConditionModel half = sd.unetFor(SamplingPrecision.FP16);
        assertEquals(DataType.FLOAT16, half.weightType());
        half.parameters().forEach((name, w) -> assertEquals(DataType.FLOAT16, w.getDataType(), name));
        assertEquals(DataType.FLOAT32, sd.unet().weightType(), "the float32 model is left as it is");

        SampleResult wide = sd.generate(request(SamplingPrecision.FP32));
        SampleResult narrow = sd.generate(request(SamplingPrecision.FP16));
        double rel = relativeL2(narrow.latents(), wide.latents());
        double pixelDiff = maxAbsDiff(narrow.pixels(), wide.pixels());
        System.out.printf("fp16 vs fp32 sampling, tiny-sd, 10 DDIM steps: latents relative L2 %.3g, "
                + "max pixel difference %.3g%n", rel, pixelDiff);
        // fp16 keeps ~3 significant digits per op; over 10 guided steps (guidance 7.5 amplifies the UNet's
        // difference 7.5x) the latents drift by about 1e-3 relative; 2e-2 leaves room and still catches a wrong
        // cast (e.g. weights truncated to zero or the wrong rows), which moves them by O(1)
        assertTrue(rel < 2e-2, "fp16 latents differ from fp32 by " + rel);
        assertTrue(pixelDiff < 0.05, "fp16 pixels differ from fp32 by " + pixelDiff);
        // and it is not float32 in disguise: half-precision rounding must show
        assertTrue(rel > 1e-6, "fp16 and fp32 latents are identical: the half path did not run");
    }

    @Test
    void halfUnetAnswersInItsCallersTypeAndFollowsReplacedWeights() {
        UNet2DConditionModel half = sd.unetFor(SamplingPrecision.FP16);
        assertSame(half, sd.unetFor(SamplingPrecision.FP16), "the converted copy is kept while the weights stay");
        try (NDManager m = manager.newSubManager()) {
            Random rnd = new Random(3);
            NDArray x = m.create(gaussian(rnd, 2 * 4 * 16 * 16), new Shape(2, 4, 16, 16));
            NDArray ctx = m.create(gaussian(rnd, 2 * 77 * 32), new Shape(2, 77, 32));
            NDArray t = m.create(new long[] {500});
            NDArray y16 = half.forward(x, t, ctx);
            NDArray y32 = sd.unet().forward(x, t, ctx);
            assertEquals(DataType.FLOAT32, y16.getDataType());
            double rel = relativeL2(y16.toFloatArray(), y32.toFloatArray());
            assertTrue(rel < 5e-3 && rel > 1e-6, "half UNet relative difference " + rel);

            String name = sd.unet().crossAttentionKv().keySet().iterator().next();
            NDArray original = sd.unet().parameters().get(name);
            NDArray replaced = original.mul(2f);
            replaced.attach(m);
            sd.unet().setParameter(name, replaced);
            try {
                UNet2DConditionModel reconverted = sd.unetFor(SamplingPrecision.FP16);
                assertNotSame(half, reconverted, "a replaced weight makes the next fp16 run convert again");
                float[] expected = replaced.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false)
                        .toFloatArray();
                float[] actual = reconverted.parameters().get(name).toType(DataType.FLOAT32, false).toFloatArray();
                assertEquals(expected.length, actual.length);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 0f, "element " + i);
                }
            } finally {
                sd.unet().setParameter(name, original);
            }
        }
    }

    @Test
    void precisionNamesAreParsedAndBf16IsRefusedWithTheReason() {
        assertEquals(SamplingPrecision.FP16, SamplingPrecision.parse("FP16"));
        assertEquals(SamplingPrecision.FP32, SamplingPrecision.parse("fp32"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SamplingPrecision.parse("bf16"));
        assertTrue(e.getMessage().contains("aborts the JVM"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamplingPrecision.parse("fp8"));
        assertEquals(SamplingPrecision.FP32, SampleRequest.of("x").precision(), "off by default");
    }

    private static SampleRequest request(SamplingPrecision precision) {
        return SampleRequest.of("a red circle").steps(10).guidance(7.5f).seed(5).precision(precision);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) rnd.nextGaussian();
        }
        return out;
    }

    private static double relativeL2(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += b[i] * (double) b[i];
        }
        return Math.sqrt(num / den);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}

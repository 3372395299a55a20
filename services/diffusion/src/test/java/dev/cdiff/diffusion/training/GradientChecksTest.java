package dev.cdiff.diffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine-side sums of squares that replaced copying every gradient to the heap. */
class GradientChecksTest {
    @Test
    void aNonFiniteEntryMakesItsSumNonFiniteAndOnlyIts() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            grads.put("a", m.create(new float[] {1, 2, 3}));
            grads.put("b", m.create(new float[] {0, Float.NaN, 1}));
            grads.put("c", m.create(new float[] {Float.NEGATIVE_INFINITY}));
            float[] s = CustomDiffusionLoss.sumsOfSquares(grads);
            assertEquals(14f, s[0]);
            assertFalse(Float.isFinite(s[1]));
            assertFalse(Float.isFinite(s[2]));
            assertEquals("1/3 non-finite", CustomDiffusionLoss.finite(grads.get("b")));
        }
    }

    @Test
    void clippingWithPrecomputedSumsEqualsClippingFromScratch() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = {3, -4, 0.5f};
            float[] y = {12, 0.25f};
            Map<String, NDArray> g1 = new LinkedHashMap<>();
            g1.put("x", m.create(x));
            g1.put("y", m.create(y));
            Map<String, NDArray> g2 = new LinkedHashMap<>();
            g2.put("x", m.create(x));
            g2.put("y", m.create(y));
            double n1 = CustomDiffusionLoss.clipGradNorm(g1, 1.0);
            double n2 = CustomDiffusionLoss.clipGradNorm(g2, 1.0, CustomDiffusionLoss.sumsOfSquares(g2));
            assertEquals(n1, n2);
            assertTrue(n1 > 1.0);
            assertArrayEquals(g1.get("x").toFloatArray(), g2.get("x").toFloatArray());
            assertArrayEquals(g1.get("y").toFloatArray(), g2.get("y").toFloatArray());
        }
    }
}

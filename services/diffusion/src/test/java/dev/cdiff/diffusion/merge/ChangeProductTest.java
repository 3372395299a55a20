package dev.cdiff.diffusion.merge;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChangeProductTest {
    private static final float SENTINEL = 7f;

    @Test
    void vectorKernelGivesTheScalarDefinitionsBits() {
        Random rnd = new Random(3);
        // widths: a multiple of the 8 partials (SD's 768), one with a tail, one narrower than a vector
        for (int d : new int[] {768, 37, 5}) {
            // 11 rows from an offset: one pass of 8, then 3 of a padded pass; 6 and 1: one padded pass each
            for (int[] cols : new int[][] {{2, 13}, {1, 7}, {0, 1}}) {
                int rows = 9;
                int m = cols[1] - cols[0] + 3;
                float[] w0 = MergeProjectorTest.gaussianFloats(rnd, rows * d, 0.05);
                float[] w = MergeProjectorTest.perturbed(rnd, w0, 0.001);
                ChangeProduct.Targets c = ChangeProduct.Targets.of(
                        MergeProjectorTest.gaussianFloats(rnd, cols[1] * d, 1.0), cols[0], cols[1], d);
                // a sentinel where nothing may be written: the padding rows' results are zeros, which would
                // otherwise be invisible, and in a merge they would land in the next source's columns
                float[] scalar = new float[rows * m];
                float[] vector = new float[rows * m];
                java.util.Arrays.fill(scalar, SENTINEL);
                java.util.Arrays.fill(vector, SENTINEL);
                ChangeProduct.multiplyScalar(w0, w, c, scalar, m, 2, 1, rows);
                VectorChangeProduct.multiply(w0, w, c, vector, m, 2, 1, rows);
                for (int i = 0; i < scalar.length; i++) {
                    assertEquals(Float.floatToRawIntBits(scalar[i]), Float.floatToRawIntBits(vector[i]),
                            "d " + d + " element " + i + ": " + scalar[i] + " vs " + vector[i]);
                }
                // row 0 is outside the range, columns 0, 1 and m - 1 outside the block; the rest is written
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < m; j++) {
                        boolean inside = i >= 1 && j >= 2 && j < m - 1;
                        assertEquals(!inside, vector[i * m + j] == SENTINEL, "d " + d + " row " + i + " column " + j);
                    }
                }
            }
        }
    }

    @Test
    void computesTheChangeOfEachTargetRowToFloat32Precision() {
        Random rnd = new Random(4);
        int d = 300;
        int rows = 17;
        int m = 6;
        float[] w0 = MergeProjectorTest.gaussianFloats(rnd, rows * d, 1.0 / Math.sqrt(d));
        float[] w = MergeProjectorTest.perturbed(rnd, w0, 0.01 / Math.sqrt(d));
        float[] c = MergeProjectorTest.gaussianFloats(rnd, m * d, 1.0);
        float[] e = new float[rows * m];
        ChangeProduct.multiply(w0, w, ChangeProduct.Targets.of(c, 0, m, d), e, m, 0, 0, rows);
        double largest = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < m; j++) {
                double exact = 0;
                double scale = 0;
                for (int k = 0; k < d; k++) {
                    double x = ((double) w[i * d + k] - w0[i * d + k]) * c[j * d + k];
                    exact += x;
                    scale += Math.abs(x);
                }
                // d roundings of products and sums, each at most float32's unit roundoff of the running magnitude
                assertEquals(exact, e[i * m + j], 2 * d * 0x1p-24 * scale, "row " + i + " column " + j);
                largest = Math.max(largest, Math.abs(exact));
            }
        }
        assertTrue(largest > 1e-3, "the change is not trivially zero: " + largest);
    }

    @Test
    void choosesTheScalarCodeWhereTheJvmHasNo256BitVectors() {
        String expected = System.getProperty("expected.change.product");
        if ("scalar".equals(expected)) {
            assertFalse(ChangeProduct.vectorised(), "with -XX:UseAVX=0 the 8-lane kernel would run in the API's "
                    + "Java fallback");
        }
        System.out.println("change product: " + (ChangeProduct.vectorised() ? "256-bit vector kernel" : "scalar"));
    }
}

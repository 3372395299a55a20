package dev.cdiff.diffusion.merge;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChangeProductTest {

    @Test
    void vectorKernelGivesTheScalarDefinitionsBits() {
        Random rnd = new Random(3);
        // widths: a multiple of the 8 partials (SD's 768), one with a tail, one narrower than a vector
        for (int d : new int[] {768, 37, 5}) {
            // 11 columns from an offset: one block of 8, then the one-column tail (3 left); 6: a block of 4, then 2
            for (int[] cols : new int[][] {{2, 13}, {1, 7}, {0, 1}}) {
                int rows = 9;
                int m = cols[1] - cols[0] + 3;
                float[] w0 = gaussian(rnd, rows * d, 0.05);
                float[] w = w0.clone();
                float[] dw = gaussian(rnd, rows * d, 0.001);
                for (int i = 0; i < w.length; i++) {
                    w[i] += dw[i];
                }
                float[] c = gaussian(rnd, cols[1] * d, 1.0);
                float[] scalar = new float[rows * m];
                float[] vector = new float[rows * m];
                ChangeProduct.multiplyScalar(w0, w, d, c, cols[0], cols[1], scalar, m, 2, 1, rows);
                VectorChangeProduct.multiply(w0, w, d, c, cols[0], cols[1], vector, m, 2, 1, rows);
                for (int i = 0; i < scalar.length; i++) {
                    assertEquals(Float.floatToRawIntBits(scalar[i]), Float.floatToRawIntBits(vector[i]),
                            "d " + d + " element " + i + ": " + scalar[i] + " vs " + vector[i]);
                }
                // rows outside the range and columns outside the block are left alone
                for (int j = 0; j < m; j++) {
                    assertEquals(0f, scalar[j]);
                }
                for (int i = 1; i < rows; i++) {
                    assertEquals(0f, scalar[i * m]);
                    assertEquals(0f, scalar[i * m + 1]);
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
        float[] w0 = gaussian(rnd, rows * d, 1.0 / Math.sqrt(d));
        float[] w = w0.clone();
        float[] dw = gaussian(rnd, rows * d, 0.01 / Math.sqrt(d));
        for (int i = 0; i < w.length; i++) {
            w[i] += dw[i];
        }
        float[] c = gaussian(rnd, m * d, 1.0);
        float[] e = new float[rows * m];
        ChangeProduct.multiply(w0, w, d, c, 0, m, e, m, 0, 0, rows);
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

    private static float[] gaussian(Random rnd, int n, double sd) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (rnd.nextGaussian() * sd);
        }
        return out;
    }
}

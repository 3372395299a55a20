package dev.cdiff.diffusion.merge;

/**
 * One layer's share of the merge's change, E[:, j] = (W - W0) c_j for a few target feature rows c_j, with its
 * summation order fixed by this class rather than by whichever BLAS kernel the CPU selects.
 *
 * <p>Every output element is computed as eight partial sums, partial {@code q} adding
 * {@code (w[k] - w0[k]) * c[k]} (each product and each sum rounded to float32, no fused multiply-add) for
 * {@code k = q, q + 8, q + 16, ...} in increasing order, then folded as
 * {@code ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))}. Java's float arithmetic is IEEE-exact, so the result is
 * the same bit for bit whether the eight partials live in one 256-bit vector register ({@link VectorChangeProduct},
 * used when the JVM runs with {@code --add-modules jdk.incubator.vector} on a CPU with 256-bit vectors) or in eight
 * scalars ({@link #multiplyScalar}, everywhere else), on every CPU and at every thread count. (The merge as a whole
 * still depends on the CPU through the regularization Gram matrix, which libtorch accumulates.)
 *
 * <p>Why not libtorch's product: these products are skinny ([out, 768] x [768, 8] at SD-1.5 shapes), and MKL's
 * sgemm spends most of such a call packing the large operand, about 9 ms per 77 MB weight set on the Zen 5 machine of
 * docs/performance.md; its result also depends on the ISA path MKL picks. Taking the difference first reads each
 * weight once, in one pass, and is exact for the fine-tuned and base weights of one layer (Sterbenz: within a factor
 * two of each other, their float32 difference has no rounding error).
 */
final class ChangeProduct {
    static final int PARTIALS = 8;
    private static final boolean VECTOR = VectorSupport.available();

    private ChangeProduct() {
    }

    /** Whether {@link #multiply} runs on the vector kernel in this JVM. */
    static boolean vectorised() {
        return VECTOR;
    }

    /**
     * A block of target feature rows (one source's), copied once per merge and padded with zero rows to a multiple
     * of {@link #PARTIALS}, so that the vector kernel always takes 8 rows per pass over the weights; the padding rows'
     * results are never written.
     *
     * @param rows  [padded, d] row-major
     * @param count the real rows
     */
    record Targets(float[] rows, int count, int d) {
        static Targets of(float[] c, int from, int to, int d) {
            int count = to - from;
            int padded = (count + PARTIALS - 1) / PARTIALS * PARTIALS;
            float[] rows = new float[padded * d];
            System.arraycopy(c, from * d, rows, 0, count * d);
            return new Targets(rows, count, d);
        }
    }

    /**
     * Writes {@code e[i * m + eCol + j] = sum_k (w[i d + k] - w0[i d + k]) * c_j[k]} for rows
     * {@code rowFrom <= i < rowTo} and the target rows {@code 0 <= j < c.count()}.
     *
     * @param e the change, [out, m] row-major
     */
    static void multiply(float[] w0, float[] w, Targets c, float[] e, int m, int eCol, int rowFrom, int rowTo) {
        if (VECTOR) {
            VectorChangeProduct.multiply(w0, w, c, e, m, eCol, rowFrom, rowTo);
        } else {
            multiplyScalar(w0, w, c, e, m, eCol, rowFrom, rowTo);
        }
    }

    /** {@link #multiply} in scalar code, the definition the vector kernel matches bit for bit. */
    static void multiplyScalar(float[] w0, float[] w, Targets c, float[] e, int m, int eCol, int rowFrom,
                               int rowTo) {
        int d = c.d();
        float[] p = new float[PARTIALS];
        for (int i = rowFrom; i < rowTo; i++) {
            int row = i * d;
            for (int j = 0; j < c.count(); j++) {
                java.util.Arrays.fill(p, 0f);
                accumulate(p, w0, w, row, c.rows(), j * d, 0, d);
                e[i * m + eCol + j] = fold(p);
            }
        }
    }

    /** Adds {@code (w[row + k] - w0[row + k]) * c[col + k]} to partial {@code k mod 8} for {@code from <= k < to}. */
    static void accumulate(float[] p, float[] w0, float[] w, int row, float[] c, int col, int from, int to) {
        for (int k = from; k < to; k++) {
            p[k & (PARTIALS - 1)] += (w[row + k] - w0[row + k]) * c[col + k];
        }
    }

    static float fold(float[] p) {
        return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
    }

    /** Whether the vector kernel can be used: the incubating module is resolved and 256-bit vectors are native. */
    static final class VectorSupport {
        private VectorSupport() {
        }

        static boolean available() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty() || !optimisingCompiler()) {
                return false;
            }
            // below 256 bits the 8-lane species would run in the API's Java fallback, far slower than the scalars
            return VectorChangeProduct.nativeWidth();
        }

        /**
         * Only the optimising compiler (C2) turns Vector API calls into vector instructions; under C1 alone
         * ({@code -XX:TieredStopAtLevel=1}, the launcher's choice for short commands on two cores) they stay
         * object-allocating Java calls, about 100 times slower than with C2 (2,019 against 21 ms for a warm SD-1.5
         * merge's layers), and the scalar code is the better of the two.
         */
        private static boolean optimisingCompiler() {
            try {
                var vm = java.lang.management.ManagementFactory.getPlatformMXBean(
                        com.sun.management.HotSpotDiagnosticMXBean.class);
                return !"false".equals(vm.getVMOption("UseCompiler").getValue())
                        && Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) >= 4;
            } catch (RuntimeException e) {
                return true; // not HotSpot: assume it compiles the API as it is meant to be
            }
        }
    }
}

package dev.cdiff.diffusion.merge;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ChangeProduct#multiply} with the eight partial sums as the lanes of one 256-bit vector. Loaded only when
 * the {@code jdk.incubator.vector} module is resolved. Eight target rows (the block is padded to a multiple of eight)
 * share each loaded difference, so a row of the weights is read from memory once per source.
 */
final class VectorChangeProduct {
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_256;

    private VectorChangeProduct() {
    }

    static boolean nativeWidth() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= LANES.vectorBitSize();
    }

    static void multiply(float[] w0, float[] w, ChangeProduct.Targets targets, float[] e, int m, int eCol,
                         int rowFrom, int rowTo) {
        int d = targets.d();
        float[] c = targets.rows();
        int body = d - d % ChangeProduct.PARTIALS;
        for (int i = rowFrom; i < rowTo; i++) {
            for (int j = 0; j < targets.count(); j += 8) {
                eight(w0, w, d, body, i * d, c, j, e, i * m + eCol + j, Math.min(8, targets.count() - j));
            }
        }
    }

    /** Target rows j..j+7 against one weight row; the first {@code n} results are written from {@code at}. */
    private static void eight(float[] w0, float[] w, int d, int body, int row, float[] c, int j, float[] e, int at,
                              int n) {
        int c0 = j * d;
        FloatVector a0 = FloatVector.zero(LANES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        for (int k = 0; k < body; k += 8) {
            FloatVector x = FloatVector.fromArray(LANES, w, row + k).sub(FloatVector.fromArray(LANES, w0, row + k));
            int ck = c0 + k;
            a0 = a0.add(x.mul(FloatVector.fromArray(LANES, c, ck)));
            a1 = a1.add(x.mul(FloatVector.fromArray(LANES, c, ck + d)));
            a2 = a2.add(x.mul(FloatVector.fromArray(LANES, c, ck + 2 * d)));
            a3 = a3.add(x.mul(FloatVector.fromArray(LANES, c, ck + 3 * d)));
            a4 = a4.add(x.mul(FloatVector.fromArray(LANES, c, ck + 4 * d)));
            a5 = a5.add(x.mul(FloatVector.fromArray(LANES, c, ck + 5 * d)));
            a6 = a6.add(x.mul(FloatVector.fromArray(LANES, c, ck + 6 * d)));
            a7 = a7.add(x.mul(FloatVector.fromArray(LANES, c, ck + 7 * d)));
        }
        // one write per real target row: a padding row's result would land in the next source's columns
        e[at] = finish(a0, w0, w, d, body, row, c, c0);
        if (n > 1) {
            e[at + 1] = finish(a1, w0, w, d, body, row, c, c0 + d);
        }
        if (n > 2) {
            e[at + 2] = finish(a2, w0, w, d, body, row, c, c0 + 2 * d);
        }
        if (n > 3) {
            e[at + 3] = finish(a3, w0, w, d, body, row, c, c0 + 3 * d);
        }
        if (n > 4) {
            e[at + 4] = finish(a4, w0, w, d, body, row, c, c0 + 4 * d);
        }
        if (n > 5) {
            e[at + 5] = finish(a5, w0, w, d, body, row, c, c0 + 5 * d);
        }
        if (n > 6) {
            e[at + 6] = finish(a6, w0, w, d, body, row, c, c0 + 6 * d);
        }
        if (n > 7) {
            e[at + 7] = finish(a7, w0, w, d, body, row, c, c0 + 7 * d);
        }
    }

    /** The tail k >= body into the same partials (partial q takes k = q mod 8), then the fixed fold. */
    private static float finish(FloatVector a, float[] w0, float[] w, int d, int body, int row, float[] c, int c0) {
        if (body == d) {
            // no tail (SD's 768): the fold straight from the lanes, without an array per output element
            return ((a.lane(0) + a.lane(1)) + (a.lane(2) + a.lane(3))) + ((a.lane(4) + a.lane(5))
                    + (a.lane(6) + a.lane(7)));
        }
        float[] p = a.toArray();
        ChangeProduct.accumulate(p, w0, w, row, c, c0, body, d);
        return ChangeProduct.fold(p);
    }
}

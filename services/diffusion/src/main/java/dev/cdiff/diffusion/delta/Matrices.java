package dev.cdiff.diffusion.delta;

import org.ejml.data.DMatrixRMaj;

/** float32 row-major arrays <-> float64 EJML matrices. */
public final class Matrices {
    private Matrices() {
    }

    public static DMatrixRMaj fromFloats(float[] data, int rows, int cols) {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("array of " + data.length + " values is not " + rows + "x" + cols);
        }
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < data.length; i++) {
            m.data[i] = data[i];
        }
        return m;
    }

    public static float[] toFloats(DMatrixRMaj m) {
        float[] out = new float[m.numRows * m.numCols];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) m.data[i];
        }
        return out;
    }
}

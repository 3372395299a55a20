package dev.cdiff.diffusion.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Accumulates G = C_reg^T C_reg (float64) chunk by chunk, so the regularization features of ~1000 captions
 * (77k x 768 for SD-1.5) never have to be held at once. Two backends compute the chunk products: PyTorch
 * float64 matmul through DJL (multi-threaded BLAS, the default) and EJML (pure Java).
 */
public final class RegularizationGram {
    public enum Backend { DJL, EJML }

    private final int width;
    private final Backend backend;
    private final DMatrixRMaj gram;
    private long rows;

    public RegularizationGram(int width, Backend backend) {
        if (width <= 0) {
            throw new IllegalArgumentException("feature width must be positive, got " + width);
        }
        this.width = width;
        this.backend = backend;
        this.gram = new DMatrixRMaj(width, width);
    }

    public RegularizationGram(int width) {
        this(width, Backend.DJL);
    }

    /** Adds rows (row-major, {@code count x width}) of regularization features. */
    public void add(float[] features, int count) {
        if ((long) count * width != features.length) {
            throw new IllegalArgumentException("feature chunk has " + features.length + " values, expected "
                    + count + " x " + width);
        }
        if (count == 0) {
            return;
        }
        if (backend == Backend.EJML) {
            DMatrixRMaj chunk = new DMatrixRMaj(count, width);
            for (int i = 0; i < features.length; i++) {
                chunk.data[i] = features[i];
            }
            DMatrixRMaj part = new DMatrixRMaj(width, width);
            CommonOps_DDRM.multInner(chunk, part);
            CommonOps_DDRM.addEquals(gram, part);
        } else {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray c = m.create(features, new Shape(count, width)).toType(DataType.FLOAT64, false);
                double[] part = c.transpose().matMul(c).toDoubleArray();
                for (int i = 0; i < part.length; i++) {
                    gram.data[i] += part[i];
                }
            }
        }
        rows += count;
    }

    /** Adds rows given as an NDArray [count, width] (any float type). */
    public void add(NDArray features) {
        Shape s = features.getShape();
        if (s.dimension() != 2 || s.get(1) != width) {
            throw new IllegalArgumentException("features must be [rows, " + width + "], got " + s);
        }
        add(features.toType(DataType.FLOAT32, false).toFloatArray(), (int) s.get(0));
    }

    public long rows() {
        return rows;
    }

    public int width() {
        return width;
    }

    /** A copy of the accumulated Gram matrix. */
    public DMatrixRMaj gram() {
        if (rows == 0) {
            throw new IllegalStateException("no regularization features were added");
        }
        return gram.copy();
    }
}

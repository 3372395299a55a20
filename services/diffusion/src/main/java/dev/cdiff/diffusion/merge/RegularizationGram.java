package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import dev.cdiff.diffusion.io.SafeTensors;

import java.nio.file.Path;
import java.util.Map;

/**
 * Accumulates G = C_reg^T C_reg chunk by chunk, so the regularization features of ~1000 captions (77k x 768 for
 * SD-1.5) never have to be held at once.
 *
 * <p>Backends for the chunk products:
 * <ul>
 *   <li>{@link Backend#FLOAT32} (default): libtorch float32 matmul, at the CPU's full matmul speed; each chunk's
 *       product is added into a float64 sum, so rounding does not grow with the number of chunks. G only weighs
 *       which weights the merge keeps close to the base; the constraints themselves are solved in float64 against
 *       the exact target features, so float32 products cost no constraint accuracy (checked by every merge's
 *       reported constraint error).</li>
 *   <li>{@link Backend#FLOAT64}: libtorch float64 matmul, for reference semantics (the golden merge case).</li>
 *   <li>{@link Backend#EJML}: pure Java float64.</li>
 * </ul>
 */
public final class RegularizationGram {
    public enum Backend { FLOAT32, FLOAT64, EJML }

    private static final String FORMAT = "cdiff-regularization-gram";

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
        this(width, Backend.FLOAT32);
    }

    /** A Gram matrix computed before (e.g. read from a cache) over {@code rows} feature rows. */
    public static RegularizationGram of(DMatrixRMaj gram, long rows) {
        if (gram.numRows != gram.numCols) {
            throw new IllegalArgumentException("a Gram matrix is square, got " + gram.numRows + "x" + gram.numCols);
        }
        if (rows <= 0) {
            throw new IllegalArgumentException("a Gram matrix covers at least one row, got " + rows);
        }
        RegularizationGram g = new RegularizationGram(gram.numCols, Backend.FLOAT64);
        g.gram.setTo(gram);
        g.rows = rows;
        return g;
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
            rows += count;
        } else {
            try (NDManager m = ComputeDevice.newManager()) {
                addProduct(m.create(features, new Shape(count, width)), m);
            }
        }
    }

    /** Adds rows given as an NDArray [count, width] (any float type); the array is not modified. */
    public void add(NDArray features) {
        Shape s = features.getShape();
        if (s.dimension() != 2 || s.get(1) != width) {
            throw new IllegalArgumentException("features must be [rows, " + width + "], got " + s);
        }
        if (backend == Backend.EJML) {
            add(features.toType(DataType.FLOAT32, false).toFloatArray(), (int) s.get(0));
        } else if (s.get(0) > 0) {
            try (NDManager m = features.getManager().newSubManager()) {
                addProduct(features, m);
            }
        }
    }

    /** Adds chunk^T chunk; every temporary goes to {@code scratch}, the chunk itself is left as it is. */
    private void addProduct(NDArray chunk, NDManager scratch) {
        DataType type = backend == Backend.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
        NDArray c = chunk;
        if (chunk.getDataType() != type) {
            c = chunk.toType(type, false);
            c.attach(scratch);
        }
        NDArray ct = c.transpose();
        ct.attach(scratch);
        NDArray part = ct.matMul(c);
        NDArray wide = part.toType(DataType.FLOAT64, false);
        double[] values = wide.toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            gram.data[i] += values[i];
        }
        rows += chunk.getShape().get(0);
    }

    /** Writes G (float64, exact) and its row count as safetensors: tensor {@code gram}, metadata {@code rows}. */
    public void write(Path file) {
        try (NDManager m = ComputeDevice.newManager()) {
            SafeTensors.write(file, Map.of("gram", m.create(gram().data, new Shape(width, width))),
                    Map.of("format", FORMAT, "rows", Long.toString(rows)), false);
        }
    }

    /** Reads a Gram matrix written by {@link #write}; anything else is refused with the reason. */
    public static RegularizationGram read(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            if (!FORMAT.equals(st.metadata().get("format"))) {
                throw new IllegalArgumentException(file + " is not a cdiff regularization Gram matrix");
            }
            long[] shape = st.info("gram").shape();
            if (shape.length != 2 || shape[0] != shape[1] || shape[0] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + ": the Gram matrix must be square, got "
                        + java.util.Arrays.toString(shape));
            }
            int d = (int) shape[0];
            DMatrixRMaj g = new DMatrixRMaj(d, d);
            g.setData(st.loadDoubles("gram"));
            return of(g, Long.parseLong(st.metadata().getOrDefault("rows", "0")));
        }
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

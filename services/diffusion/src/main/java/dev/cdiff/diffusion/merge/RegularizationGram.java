package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import dev.cdiff.diffusion.io.SafeTensors;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    /** Metadata key of the entry's CRC32C over the Gram matrix and the inverse, as float64 little-endian bytes. */
    static final String CHECKSUM = "crc32c";
    /** Smallest backward-error limit of the solve's self-check (well-conditioned Gram matrices). */
    static final double BACKWARD_ERROR_FLOOR = 1e-10;

    private final int width;
    private final Backend backend;
    private final DMatrixRMaj gram;
    private long rows;
    private DMatrixRMaj inverse;
    private double inverseRidgeFraction;
    /*
     * The same values as gram / inverse in direct little-endian buffers, kept when the matrix was read from a cache
     * entry: the engine uses a direct buffer in place, so a warm merge's solve puts neither 4.7 MB matrix (SD-1.5
     * width) through another copy. Read-only by contract: only products and reductions are taken of arrays over them.
     */
    private java.nio.ByteBuffer gramBytes;
    private java.nio.ByteBuffer inverseBytes;

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
        RegularizationGram g = computed(gram.numCols, rows);
        g.gram.setTo(gram);
        return g;
    }

    /** An empty float64 matrix standing for one computed over {@code rows} (> 0) feature rows; values to be filled. */
    private static RegularizationGram computed(int width, long rows) {
        if (rows <= 0) {
            throw new IllegalArgumentException("a Gram matrix covers at least one row, got " + rows);
        }
        RegularizationGram g = new RegularizationGram(width, Backend.FLOAT64);
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
            inverse = null;
            gramBytes = null;
            inverseBytes = null;
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

    /**
     * Adds chunk^T chunk; every temporary goes to {@code scratch}, the chunk itself is left as it is. G is symmetric,
     * so only its upper block triangle is multiplied (the columns split in up to four blocks: 10 block products
     * instead of 16) and the lower blocks are mirrored in Java.
     */
    private void addProduct(NDArray chunk, NDManager scratch) {
        DataType type = backend == Backend.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
        NDArray c = chunk;
        if (chunk.getDataType() != type) {
            c = chunk.toType(type, false);
            c.attach(scratch);
        }
        // column blocks of at least 128 (narrower ones lose matmul efficiency): 4 blocks at d = 768, 10 of 16
        // block products
        int blocks = Math.max(1, Math.min(4, width / 128));
        if (blocks == 1) {
            addBlock(c, c, 0, 0, scratch);
        } else {
            int[] start = new int[blocks + 1];
            for (int b = 0; b <= blocks; b++) {
                start[b] = (int) ((long) width * b / blocks);
            }
            List<NDArray> cols = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                NDArray col = c.get(new NDIndex(":, {}:{}", start[b], start[b + 1]));
                col.attach(scratch);
                cols.add(col);
            }
            for (int bi = 0; bi < blocks; bi++) {
                for (int bj = bi; bj < blocks; bj++) {
                    addBlock(cols.get(bi), cols.get(bj), start[bi], start[bj], scratch);
                }
            }
            for (int bi = 1; bi < blocks; bi++) {
                for (int i = start[bi]; i < start[bi + 1]; i++) {
                    for (int j = 0; j < start[bi]; j++) {
                        gram.data[i * width + j] = gram.data[j * width + i];
                    }
                }
            }
        }
        rows += chunk.getShape().get(0);
        inverse = null;
        gramBytes = null;
        inverseBytes = null;
    }

    /** gram[r0.., c0..] += a^T b. */
    private void addBlock(NDArray a, NDArray b, int r0, int c0, NDManager scratch) {
        NDArray at = a.transpose();
        at.attach(scratch);
        NDArray part = at.matMul(b);
        part.attach(scratch);
        int rowsOut = (int) part.getShape().get(0);
        int colsOut = (int) part.getShape().get(1);
        if (part.getDataType() == DataType.FLOAT64) {
            double[] values = part.toDoubleArray();
            for (int i = 0; i < rowsOut; i++) {
                int base = (r0 + i) * width + c0;
                for (int j = 0; j < colsOut; j++) {
                    gram.data[base + j] += values[i * colsOut + j];
                }
            }
        } else {
            float[] values = part.toFloatArray();
            for (int i = 0; i < rowsOut; i++) {
                int base = (r0 + i) * width + c0;
                for (int j = 0; j < colsOut; j++) {
                    gram.data[base + j] += values[i * colsOut + j];
                }
            }
        }
    }

    /**
     * (G + lambda I)^-1 with {@code lambda = ridgeFraction * trace(G) / d}, in float64 through libtorch's LAPACK (the
     * one d^3 step of a merge). Kept with the matrix and written with it by {@link #write}, so a merge that finds the
     * Gram matrix in its cache also skips the factorisation. A Gram matrix is positive semi-definite, so with a
     * positive ridge the inverse exists; a non-finite result is refused.
     */
    public synchronized DMatrixRMaj regularizedInverse(double ridgeFraction) {
        try (NDManager m = ComputeDevice.newManager()) {
            inverseOnEngine(ridgeFraction, m);
        }
        return inverse.copy();
    }

    /**
     * (G + lambda I)^-1 C^T [d, m] for target features C [m, d], as {@link #regularizedInverse} times C^T but with
     * the product on the engine: the inverse crosses to the JVM once (to be cached), never to be copied or
     * multiplied there.
     *
     * <p>The solve checks itself. An inverse that a faulty kernel got wrong on this CPU (and that a cache entry may
     * carry to later merges: its checksum guards only the bytes) would give a projector that still meets every
     * constraint exactly (any solution does) while no longer keeping the regularization outputs: a silent wrong merge. So the normwise backward error
     * |Y (G + lambda I) - C| / (|Y| |G + lambda I| + |C|) of Y = C G^-1 must stay within round-off for the matrix's
     * conditioning, or the merge is refused.
     */
    public synchronized DMatrixRMaj solveRegularized(double ridgeFraction, DMatrixRMaj targets) {
        if (targets.numCols != width) {
            throw new IllegalArgumentException("target features have width " + targets.numCols
                    + " but the Gram matrix has width " + width);
        }
        try (NDManager m = ComputeDevice.newManager()) {
            NDArray inv = inverseOnEngine(ridgeFraction, m);
            NDArray c = m.create(targets.data, new Shape(targets.numRows, width));
            // (G^-1 C^T) = (C G^-1)^T with G^-1 symmetric: C G^-1 is [m, d] row-major, transposed in the copy below
            NDArray cInv = c.matMul(inv);
            checkSolve(cInv, c, inv, ridgeFraction, m);
            double[] cg = cInv.toDoubleArray();
            DMatrixRMaj result = new DMatrixRMaj(width, targets.numRows);
            for (int i = 0; i < targets.numRows; i++) {
                for (int j = 0; j < width; j++) {
                    result.data[j * targets.numRows + i] = cg[i * width + j];
                }
            }
            return result;
        }
    }

    /**
     * Refuses Y = C (G + lambda I)^-1 when its backward error exceeds what round-off allows: a solve through an
     * explicit inverse has a backward error of order d * eps * cond(G + lambda I), with cond estimated as
     * |G + lambda I|_inf |inverse|_inf (both row-sum norms, d^2 work), and never less than {@value #BACKWARD_ERROR_FLOOR}.
     */
    private void checkSolve(NDArray y, NDArray c, NDArray inv, double ridgeFraction, NDManager m) {
        double lambda = ridgeFraction * trace() / width;
        NDArray g = gramBytes != null ? onEngine(gramBytes, m) : m.create(gram.data, new Shape(width, width));
        NDArray residual = y.matMul(g).addi(y.mul(lambda)).subi(c);
        double error = residual.abs().max().getDouble();
        double normA = g.abs().sum(new int[] {1}).max().getDouble() + lambda;
        double normInv = inv.abs().sum(new int[] {1}).max().getDouble();
        double scale = y.abs().max().getDouble() * normA + c.abs().max().getDouble();
        double limit = Math.max(BACKWARD_ERROR_FLOOR, 16.0 * width * Math.ulp(1.0) * normA * normInv);
        if (!(error <= limit * scale)) {
            throw new IllegalStateException("the regularized solve is wrong: backward error " + error / scale
                    + " exceeds " + limit + " (condition estimate " + normA * normInv
                    + "); a faulty kernel, or a cache entry written with a wrong inverse");
        }
    }

    /** A [width, width] float64 array over a kept direct buffer, without a copy. */
    private NDArray onEngine(java.nio.ByteBuffer bytes, NDManager m) {
        return m.create(bytes.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN), new Shape(width, width),
                DataType.FLOAT64);
    }

    /** The regularised inverse in {@code m}, from the kept copy or computed (and kept) here. */
    private NDArray inverseOnEngine(double ridgeFraction, NDManager m) {
        if (!(ridgeFraction > 0)) {
            throw new IllegalArgumentException("the cached inverse needs a positive ridge fraction, got " + ridgeFraction);
        }
        if (inverse != null && inverseRidgeFraction == ridgeFraction) {
            return inverseBytes != null ? onEngine(inverseBytes, m) : m.create(inverse.data, new Shape(width, width));
        }
        if (rows == 0) {
            throw new IllegalStateException("no regularization features were added");
        }
        double meanDiag = trace() / width;
        if (!(meanDiag > 0)) {
            throw new IllegalArgumentException("regularization features are all zero (trace of Gram matrix is "
                    + meanDiag + ")");
        }
        double ridge = ridgeFraction * meanDiag;
        NDArray g = m.create(gram.data, new Shape(width, width));
        g.addi(m.eye(width, width, 0, DataType.FLOAT64).muli(ridge));
        NDArray inv = g.inverse();
        // the exact inverse of a symmetric matrix is symmetric; LU leaves round-off asymmetry, averaged away
        inv = inv.add(inv.transpose()).muli(0.5);
        double[] values = inv.toDoubleArray();
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalStateException("regularization Gram matrix is not invertible even with ridge " + ridge
                        + "; increase ridgeFraction (now " + ridgeFraction + ")");
            }
        }
        DMatrixRMaj result = new DMatrixRMaj(width, width);
        result.setData(values);
        inverse = result;
        inverseRidgeFraction = ridgeFraction;
        inverseBytes = null;
        return inv;
    }

    /** trace(G), without copying G. */
    public double trace() {
        double t = 0;
        for (int i = 0; i < width; i++) {
            t += gram.data[i * width + i];
        }
        return t;
    }

    /** Writes G (float64, exact) and its row count as safetensors: tensor {@code gram}, metadata {@code rows}. */
    public void write(Path file) {
        try (NDManager m = ComputeDevice.newManager()) {
            Map<String, NDArray> tensors = new java.util.TreeMap<>();
            Map<String, String> meta = new java.util.TreeMap<>();
            tensors.put("gram", m.create(gram().data, new Shape(width, width)));
            meta.put("format", FORMAT);
            meta.put("rows", Long.toString(rows));
            synchronized (this) {
                if (inverse != null) {
                    tensors.put("inverse", m.create(inverse.data, new Shape(width, width)));
                    meta.put("inverse_ridge_fraction", Double.toString(inverseRidgeFraction));
                }
                meta.put(CHECKSUM, checksum(gram.data, inverse == null ? null : inverse.data));
            }
            SafeTensors.write(file, tensors, meta, false);
        }
    }

    /**
     * Reads a Gram matrix written by {@link #write}; anything else is refused with the reason, and so is an entry whose
     * checksum is missing or does not match its values (damaged in the store).
     */
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
            // the stored bytes are checksummed as they are, then used twice: copied once into the Java matrix, and
            // kept for the engine (see gramBytes)
            java.nio.ByteBuffer gramBytes = st.readF64Direct("gram");
            String ridge = st.metadata().get("inverse_ridge_fraction");
            java.nio.ByteBuffer inverseBytes = ridge != null && st.names().contains("inverse")
                    ? st.readF64Direct("inverse") : null;
            String expected = st.metadata().get(CHECKSUM);
            if (expected == null || !expected.equals(checksum(gramBytes, inverseBytes))) {
                // bytes damaged in the store (or an entry from before checksums) would make a merge silently wrong:
                // the caller treats this as a miss, computes the matrix and stores a sound entry over this one
                throw new IllegalArgumentException(file + ": " + (expected == null ? "no checksum"
                        : "checksum mismatch, the entry is damaged"));
            }
            RegularizationGram result = computed(d, Long.parseLong(st.metadata().getOrDefault("rows", "0")));
            gramBytes.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(result.gram.data);
            result.gramBytes = gramBytes;
            if (inverseBytes != null) {
                long[] invShape = st.info("inverse").shape();
                double fraction = Double.parseDouble(ridge);
                if (invShape.length == 2 && invShape[0] == d && invShape[1] == d && fraction > 0) {
                    DMatrixRMaj inv = new DMatrixRMaj(d, d);
                    inverseBytes.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(inv.data);
                    result.inverse = inv;
                    result.inverseRidgeFraction = fraction;
                    result.inverseBytes = inverseBytes;
                }
            }
            return result;
        }
    }

    /** CRC32C (hex) over the values of {@code gram}, then of {@code inverse} when there is one. */
    static String checksum(double[] gram, double[] inverse) {
        return checksum(littleEndian(gram), inverse == null ? null : littleEndian(inverse));
    }

    /** The same CRC32C over the values' little-endian bytes as stored (what {@link #write} puts in the file). */
    static String checksum(java.nio.ByteBuffer gram, java.nio.ByteBuffer inverse) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(gram.duplicate());
        if (inverse != null) {
            crc.update(inverse.duplicate());
        }
        return String.format("%08x", crc.getValue());
    }

    private static java.nio.ByteBuffer littleEndian(double[] values) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(values.length * Double.BYTES)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bytes.asDoubleBuffer().put(values);
        return bytes;
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

package dev.cdiff.diffusion.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The layer-independent part of the closed-form constrained merge (Kumari et al. 2023, eq. 4):
 * <pre>
 *   argmin_W ||W C_reg^T - W0 C_reg^T||_F^2   s.t.  W C^T = V^T
 *   W = W0 + (V^T - W0 C^T) (D C^T)^-1 D,     D = C (C_reg^T C_reg)^-1
 * </pre>
 * Every cross-attention K/V layer sees the same text features, so {@code M = (D C^T)^-1 D} is computed once
 * and each layer costs two small products. All arithmetic is float64.
 *
 * <p>Conditioning: when the regularization features span fewer than d directions (fewer tokens than the
 * feature width) the Gram matrix is singular. A ridge {@code lambda = ridgeFraction * trace(G) / d} is
 * always added to G; with the default 1e-10 it changes well-conditioned solutions by far less than float32
 * precision, and for singular G it selects the solution that also minimises ||W - W0|| in the directions
 * the captions do not cover (the limit lambda -> 0 of the ridge-regularised problem). Duplicate target
 * rows (e.g. the same EOS feature from two prompts) make D C^T singular; they are removed before solving,
 * keeping the first occurrence and its value. If the remaining targets are still linearly dependent
 * (more target tokens than feature dimensions) the constraint system is solved in the least-squares sense
 * with a pseudo-inverse and {@link #usedPseudoInverse()} reports it.
 */
public final class MergeProjector {
    public static final double DEFAULT_RIDGE_FRACTION = 1e-10;
    /** Rows whose features differ by at most this (relative to the row's largest entry) count as duplicates. */
    public static final double DUPLICATE_TOLERANCE = 1e-7;

    private final DMatrixRMaj targets;
    private final int[] keptRows;
    private final DMatrixRMaj projector;
    private final double ridge;
    private final boolean usedPseudoInverse;

    private MergeProjector(DMatrixRMaj targets, int[] keptRows, DMatrixRMaj projector, double ridge,
                           boolean usedPseudoInverse) {
        this.targets = targets;
        this.keptRows = keptRows;
        this.projector = projector;
        this.ridge = ridge;
        this.usedPseudoInverse = usedPseudoInverse;
    }

    /**
     * @param regGram       C_reg^T C_reg (d x d), e.g. from {@link RegularizationGram}
     * @param targetFeatures C (m x d), the rows are text-token features of the concepts' target phrases
     * @param ridgeFraction  ridge relative to the mean diagonal of the Gram matrix (>= 0)
     */
    public static MergeProjector build(DMatrixRMaj regGram, DMatrixRMaj targetFeatures, double ridgeFraction) {
        int d = regGram.numCols;
        if (regGram.numRows != d) {
            throw new IllegalArgumentException("regularization Gram matrix must be square, got "
                    + regGram.numRows + "x" + regGram.numCols);
        }
        if (targetFeatures.numCols != d) {
            throw new IllegalArgumentException("target features have width " + targetFeatures.numCols
                    + " but the regularization features have width " + d);
        }
        if (targetFeatures.numRows == 0) {
            throw new IllegalArgumentException("no target features: a merge needs at least one concept phrase");
        }
        if (!(ridgeFraction >= 0)) {
            throw new IllegalArgumentException("ridgeFraction must be >= 0, got " + ridgeFraction);
        }
        int[] kept = distinctRows(targetFeatures);
        DMatrixRMaj c = selectRows(targetFeatures, kept);

        DMatrixRMaj g = regGram.copy();
        double meanDiag = CommonOps_DDRM.trace(g) / d;
        if (!(meanDiag > 0)) {
            throw new IllegalArgumentException("regularization features are all zero (trace of Gram matrix is "
                    + meanDiag + ")");
        }
        double ridge = ridgeFraction * meanDiag;
        for (int i = 0; i < d; i++) {
            g.add(i, i, ridge);
        }
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.symmPosDef(d);
        if (!chol.setA(g)) {
            throw new IllegalStateException("regularization Gram matrix is not positive definite even with ridge "
                    + ridge + "; increase ridgeFraction (now " + ridgeFraction + ")");
        }
        // D^T = G^-1 C^T  (G symmetric)
        DMatrixRMaj ct = CommonOps_DDRM.transpose(c, null);
        DMatrixRMaj dt = new DMatrixRMaj(d, c.numRows);
        chol.solve(ct, dt);
        return fromSolved(c, kept, dt, ridge);
    }

    /**
     * As {@link #build(DMatrixRMaj, DMatrixRMaj, double)}, with G^-1 taken from {@code gram} (computed once per Gram
     * matrix by libtorch and kept in the Gram cache with it), so the merge's only d^3 step is skipped when the Gram
     * matrix comes from the cache. Needs a positive ridge fraction (the inverse must exist).
     */
    public static MergeProjector build(RegularizationGram gram, DMatrixRMaj targetFeatures, double ridgeFraction) {
        int d = gram.width();
        if (targetFeatures.numCols != d) {
            throw new IllegalArgumentException("target features have width " + targetFeatures.numCols
                    + " but the regularization features have width " + d);
        }
        if (targetFeatures.numRows == 0) {
            throw new IllegalArgumentException("no target features: a merge needs at least one concept phrase");
        }
        if (!(ridgeFraction > 0)) {
            return build(gram.gram(), targetFeatures, ridgeFraction);
        }
        int[] kept = distinctRows(targetFeatures);
        DMatrixRMaj c = selectRows(targetFeatures, kept);
        DMatrixRMaj dt = gram.solveRegularized(ridgeFraction, c);
        double ridge = ridgeFraction * gram.trace() / d;
        return fromSolved(c, kept, dt, ridge);
    }

    /** M = (D C^T)^-1 D from D^T = G^-1 C^T, with the pseudo-inverse when the target rows are dependent. */
    private static MergeProjector fromSolved(DMatrixRMaj c, int[] kept, DMatrixRMaj dt, double ridge) {
        int d = c.numCols;
        DMatrixRMaj ct = CommonOps_DDRM.transpose(c, null);
        DMatrixRMaj dMat = CommonOps_DDRM.transpose(dt, null);
        // K = D C^T (m x m), symmetric positive semi-definite
        DMatrixRMaj k = new DMatrixRMaj(c.numRows, c.numRows);
        CommonOps_DDRM.mult(dMat, ct, k);
        symmetrize(k);
        DMatrixRMaj m = new DMatrixRMaj(c.numRows, d);
        boolean pinv = false;
        LinearSolverDense<DMatrixRMaj> kSolver = LinearSolverFactory_DDRM.symmPosDef(c.numRows);
        if (kSolver.setA(k.copy()) && conditionOk(k)) {
            kSolver.solve(dMat, m);
        } else {
            DMatrixRMaj kInv = new DMatrixRMaj(c.numRows, c.numRows);
            CommonOps_DDRM.pinv(k, kInv);
            CommonOps_DDRM.mult(kInv, dMat, m);
            pinv = true;
        }
        return new MergeProjector(c, kept, m, ridge, pinv);
    }

    public static MergeProjector build(DMatrixRMaj regGram, DMatrixRMaj targetFeatures) {
        return build(regGram, targetFeatures, DEFAULT_RIDGE_FRACTION);
    }

    /**
     * Merged weight for one layer.
     *
     * @param w0     base weight (out x d)
     * @param values V (m x out) for ALL target rows passed to {@link #build} (duplicates are dropped here)
     */
    public DMatrixRMaj merge(DMatrixRMaj w0, DMatrixRMaj values) {
        int d = targets.numCols;
        if (w0.numCols != d) {
            throw new IllegalArgumentException("base weight has " + w0.numCols + " input columns, features have " + d);
        }
        if (values.numCols != w0.numRows) {
            throw new IllegalArgumentException("values have width " + values.numCols + " but the layer has "
                    + w0.numRows + " outputs");
        }
        int maxRow = keptRows.length == 0 ? -1 : keptRows[keptRows.length - 1];
        if (values.numRows <= maxRow) {
            throw new IllegalArgumentException("values have " + values.numRows + " rows, expected one per target row");
        }
        DMatrixRMaj v = selectRows(values, keptRows);
        // E = V^T - W0 C^T   (out x m)
        DMatrixRMaj e = CommonOps_DDRM.transpose(v, null);
        CommonOps_DDRM.multAddTransB(-1.0, w0, targets, e);
        DMatrixRMaj w = w0.copy();
        CommonOps_DDRM.multAdd(e, projector, w);
        return w;
    }

    /**
     * {@link #merge(DMatrixRMaj, DMatrixRMaj)} on libtorch float64 arrays: the same arithmetic through multi-threaded
     * BLAS instead of single-threaded Java, which is what makes a 32-layer SD-1.5 merge take milliseconds per layer.
     * The result is float64 [out, d] in the manager of {@code w0}.
     *
     * @param w0     base weight [out, d] (any float type)
     * @param values V [m, out] for ALL target rows passed to {@link #build}, as float64
     */
    public NDArray merge(NDArray w0, NDArray values) {
        int d = targets.numCols;
        long out = w0.getShape().get(0);
        if (w0.getShape().dimension() != 2 || w0.getShape().get(1) != d) {
            throw new IllegalArgumentException("base weight must be [out, " + d + "], got " + w0.getShape());
        }
        if (values.getShape().dimension() != 2 || values.getShape().get(1) != out) {
            throw new IllegalArgumentException("values must be [rows, " + out + "], got " + values.getShape());
        }
        NDManager m = w0.getManager();
        try (NDManager tmp = m.newSubManager()) {
            NDArray c = tmp.create(targets.data, new Shape(targets.numRows, d));
            NDArray p = tmp.create(projector.data, new Shape(projector.numRows, d));
            long[] kept = new long[keptRows.length];
            for (int i = 0; i < kept.length; i++) {
                kept[i] = keptRows[i];
            }
            NDArray v = values.get(tmp.create(kept));
            v.attach(tmp);
            NDArray w = w0;
            if (w0.getDataType() != DataType.FLOAT64) {
                w = w0.toType(DataType.FLOAT64, false);
                w.attach(tmp);
            }
            // E = V^T - W0 C^T (out x m); W = W0 + E M
            NDArray wct = w.matMul(c.transpose());
            wct.attach(tmp);
            NDArray e = v.transpose().sub(wct);
            NDArray merged = e.matMul(p);
            merged.attach(tmp);
            merged = merged.add(w);
            merged.attach(m);
            return merged;
        }
    }

    /** The kept target features C [m_kept, d] as float64, in {@code manager}. */
    public NDArray targets(NDManager manager) {
        return manager.create(targets.data, new Shape(targets.numRows, targets.numCols));
    }

    /** The kept target features C [m_kept, d], float64; the caller must not change it. */
    DMatrixRMaj targetMatrix() {
        return targets;
    }

    /** M [m_kept, d], float64; the caller must not change it. */
    DMatrixRMaj projectorMatrix() {
        return projector;
    }

    /** The text feature width d. */
    public int width() {
        return targets.numCols;
    }

    public int targetRowsKept() {
        return keptRows.length;
    }

    public int[] keptRowIndices() {
        return keptRows.clone();
    }

    public double ridge() {
        return ridge;
    }

    public boolean usedPseudoInverse() {
        return usedPseudoInverse;
    }

    static int[] distinctRows(DMatrixRMaj rows) {
        List<Integer> kept = new ArrayList<>();
        int d = rows.numCols;
        for (int i = 0; i < rows.numRows; i++) {
            boolean dup = false;
            for (int j : kept) {
                double scale = 0;
                double diff = 0;
                for (int k = 0; k < d; k++) {
                    scale = Math.max(scale, Math.abs(rows.get(i, k)));
                    diff = Math.max(diff, Math.abs(rows.get(i, k) - rows.get(j, k)));
                }
                if (diff <= DUPLICATE_TOLERANCE * Math.max(scale, Double.MIN_NORMAL)) {
                    dup = true;
                    break;
                }
            }
            if (!dup) {
                kept.add(i);
            }
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    static DMatrixRMaj selectRows(DMatrixRMaj src, int[] rows) {
        DMatrixRMaj out = new DMatrixRMaj(rows.length, src.numCols);
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(src.data, rows[i] * src.numCols, out.data, i * src.numCols, src.numCols);
        }
        return out;
    }

    private static void symmetrize(DMatrixRMaj k) {
        for (int i = 0; i < k.numRows; i++) {
            for (int j = i + 1; j < k.numCols; j++) {
                double avg = 0.5 * (k.get(i, j) + k.get(j, i));
                k.set(i, j, avg);
                k.set(j, i, avg);
            }
        }
    }

    /** Cholesky succeeds on numerically dependent rows too; reject pivots that are round-off sized. */
    private static boolean conditionOk(DMatrixRMaj k) {
        double[] diag = new double[k.numRows];
        for (int i = 0; i < diag.length; i++) {
            diag[i] = k.get(i, i);
        }
        double max = Arrays.stream(diag).max().orElse(0);
        DMatrixRMaj l = k.copy();
        var chol = org.ejml.dense.row.factory.DecompositionFactory_DDRM.chol(k.numRows, true);
        if (!chol.decompose(l)) {
            return false;
        }
        DMatrixRMaj lower = chol.getT(null);
        for (int i = 0; i < lower.numRows; i++) {
            double p = lower.get(i, i);
            if (!(p * p > 1e-12 * max)) {
                return false;
            }
        }
        return true;
    }
}

package dev.cdiff.diffusion.delta;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Low-rank compression of a delta (paper section 4.4): per layer, the truncated SVD of dW = W - W0, keeping the
 * top-r singular directions chosen by a fixed rank, by the fraction of energy (sum of squared singular values)
 * kept, or by the reference implementation's ratio of the plain sum of singular values ({@link Measure}). The SVD comes from the symmetric eigendecomposition of the smaller Gram matrix in float64, and the kept
 * factor is obtained by projecting dW itself onto the kept singular vectors (never by dividing by singular values),
 * so the rank-r result is the optimal projection and full rank reproduces dW up to float rounding.
 * Stored factors: when in <= out, up = dW V_r = U_r S_r and down = V_r^T; otherwise up = U_r and down = U_r^T dW
 * = S_r V_r^T.
 */
public final class LowRankDelta {
    private LowRankDelta() {
    }

    /**
     * What the truncation fraction counts. {@link #SQUARED_SINGULAR_VALUES} is the energy of the Eckart-Young error
     * (share of squared Frobenius norm kept). {@link #SINGULAR_VALUES} is the reference implementation's
     * compression ratio (adobe-research/custom-diffusion src/compress.py): the running share of the plain sum of
     * singular values, stopping one direction before the first value that takes the share strictly past the ratio.
     * For the same number the two give different ranks, so deltas compressed here compare with the paper's only
     * under the second.
     */
    public enum Measure {
        SQUARED_SINGULAR_VALUES("squared_singular_values"),
        SINGULAR_VALUES("singular_values");

        private final String id;

        Measure(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /**
     * Keep at most {@code maxRank} directions and, if {@code fraction < 1}, only as many as {@code measure} allows
     * for that fraction.
     */
    public record Policy(int maxRank, double fraction, Measure measure) {
        public Policy {
            if (maxRank < 1) {
                throw new IllegalArgumentException("rank must be >= 1, got " + maxRank);
            }
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("energy fraction must be in (0, 1], got " + fraction);
            }
            if (measure == null) {
                throw new IllegalArgumentException("measure must be given");
            }
        }

        public static Policy rank(int r) {
            return new Policy(r, 1.0, Measure.SQUARED_SINGULAR_VALUES);
        }

        /** The fraction of squared singular values (Frobenius energy) to keep. */
        public static Policy energy(double fraction) {
            return new Policy(Integer.MAX_VALUE, fraction, Measure.SQUARED_SINGULAR_VALUES);
        }

        /** The reference's compression ratio over the plain sum of singular values (its default is 0.6). */
        public static Policy referenceRatio(double ratio) {
            return new Policy(Integer.MAX_VALUE, ratio, Measure.SINGULAR_VALUES);
        }

        public static Policy fullRank() {
            return new Policy(Integer.MAX_VALUE, 1.0, Measure.SQUARED_SINGULAR_VALUES);
        }
    }

    public static Delta compress(Delta delta, Function<String, float[]> baseWeight, Policy policy) {
        Map<String, float[]> full = delta.materialize(baseWeight);
        Map<String, LayerWeight> factored = new TreeMap<>();
        long kept = 0;
        long total = 0;
        for (var e : full.entrySet()) {
            LayerWeight l = delta.layers().get(e.getKey());
            float[] base = baseWeight.apply(e.getKey());
            if (base == null || base.length != e.getValue().length) {
                throw new IllegalArgumentException("base model has no matching weight for layer " + e.getKey());
            }
            float[] dw = new float[base.length];
            for (int i = 0; i < dw.length; i++) {
                dw[i] = e.getValue()[i] - base[i];
            }
            LayerWeight.Factored f = factor(dw, l.rows(), l.cols(), policy);
            factored.put(e.getKey(), f);
            kept += (long) f.rank() * (f.rows() + f.cols());
            total += (long) f.rows() * f.cols();
        }
        DeltaMetadata meta = delta.metadata().withKind(DeltaKind.LOWRANK)
                .withExtra("lowrank_max_rank", policy.maxRank() == Integer.MAX_VALUE ? "full" : Integer.toString(policy.maxRank()))
                .withExtra("lowrank_energy", Double.toString(policy.fraction()))
                .withExtra("lowrank_measure", policy.measure().id())
                .withExtra("lowrank_parameter_fraction", String.format(java.util.Locale.ROOT, "%.6f", (double) kept / total));
        return new Delta(factored, delta.tokenEmbeddings(), meta);
    }

    static LayerWeight.Factored factor(float[] dw, int rows, int cols, Policy policy) {
        DMatrixRMaj a = Matrices.fromFloats(dw, rows, cols);
        boolean inSide = cols <= rows;
        int n = inSide ? cols : rows;
        DMatrixRMaj gram = new DMatrixRMaj(n, n);
        if (inSide) {
            CommonOps_DDRM.multInner(a, gram);
        } else {
            CommonOps_DDRM.multOuter(a, gram);
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(gram)) {
            throw new IllegalStateException("eigendecomposition failed for a " + rows + "x" + cols + " layer");
        }
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = Math.max(0, eig.getEigenvalue(i).getReal());
        }
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -lambda[i]));
        int r = chooseRank(Arrays.stream(order).mapToDouble(i -> lambda[i]).toArray(), policy);
        DMatrixRMaj basis = new DMatrixRMaj(n, r);
        for (int k = 0; k < r; k++) {
            DMatrixRMaj v = eig.getEigenVector(order[k]);
            for (int i = 0; i < n; i++) {
                basis.set(i, k, v.get(i, 0));
            }
        }
        DMatrixRMaj up;
        DMatrixRMaj down;
        if (inSide) {
            up = new DMatrixRMaj(rows, r);
            CommonOps_DDRM.mult(a, basis, up);
            down = CommonOps_DDRM.transpose(basis, null);
        } else {
            up = basis;
            down = new DMatrixRMaj(r, cols);
            CommonOps_DDRM.multTransA(basis, a, down);
        }
        return new LayerWeight.Factored(rows, cols, r, Matrices.toFloats(up), Matrices.toFloats(down));
    }

    /** {@code sortedEnergy}: squared singular values, largest first. */
    static int chooseRank(double[] sortedEnergy, Policy policy) {
        int n = sortedEnergy.length;
        int r = Math.min(n, policy.maxRank());
        if (policy.fraction() < 1) {
            int needed = policy.measure() == Measure.SINGULAR_VALUES
                    ? ranksBeforeRatioCrossing(sortedEnergy, policy.fraction())
                    : ranksReachingEnergy(sortedEnergy, policy.fraction());
            r = Math.min(r, needed);
        }
        // the reference can return rank 0 (one dominant value past the ratio), which would drop the layer's update
        // altogether; one direction is the least a factored layer stores
        return Math.max(1, r);
    }

    private static int ranksReachingEnergy(double[] sortedEnergy, double fraction) {
        double total = Arrays.stream(sortedEnergy).sum();
        double acc = 0;
        for (int i = 0; i < sortedEnergy.length; i++) {
            acc += sortedEnergy[i];
            if (acc >= fraction * total) {
                return i + 1;
            }
        }
        return sortedEnergy.length;
    }

    private static int ranksBeforeRatioCrossing(double[] sortedEnergy, double ratio) {
        int n = sortedEnergy.length;
        double[] sigma = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            sigma[i] = Math.sqrt(sortedEnergy[i]);
            total += sigma[i];
        }
        if (total == 0) {
            return 1;
        }
        // shares summed one quotient at a time like the reference, so a share landing exactly on the ratio does not
        // count as a crossing there either
        double share = 0;
        for (int i = 0; i < n; i++) {
            share += sigma[i] / total;
            if (share > ratio) {
                return i;
            }
        }
        // no crossing (ratio at or above the rounded total): the reference's loop ends on the last index and keeps
        // all values but that one
        return n - 1;
    }
}

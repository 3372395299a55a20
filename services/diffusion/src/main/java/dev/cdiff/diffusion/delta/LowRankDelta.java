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
 * top-r singular directions chosen by a fixed rank or by the fraction of energy (sum of squared singular values)
 * kept. The SVD comes from the symmetric eigendecomposition of the smaller Gram matrix in float64, and the kept
 * factor is obtained by projecting dW itself onto the kept singular vectors (never by dividing by singular values),
 * so the rank-r result is the optimal projection and full rank reproduces dW up to float rounding.
 * Stored factors: when in <= out, up = dW V_r = U_r S_r and down = V_r^T; otherwise up = U_r and down = U_r^T dW
 * = S_r V_r^T.
 */
public final class LowRankDelta {
    private LowRankDelta() {
    }

    /** Keep at most {@code maxRank} directions and, if {@code energy < 1}, only as many as reach that energy fraction. */
    public record Policy(int maxRank, double energy) {
        public Policy {
            if (maxRank < 1) {
                throw new IllegalArgumentException("rank must be >= 1, got " + maxRank);
            }
            if (!(energy > 0 && energy <= 1)) {
                throw new IllegalArgumentException("energy fraction must be in (0, 1], got " + energy);
            }
        }

        public static Policy rank(int r) {
            return new Policy(r, 1.0);
        }

        public static Policy energy(double fraction) {
            return new Policy(Integer.MAX_VALUE, fraction);
        }

        public static Policy fullRank() {
            return new Policy(Integer.MAX_VALUE, 1.0);
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
                .withExtra("lowrank_energy", Double.toString(policy.energy()))
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

    static int chooseRank(double[] sortedEnergy, Policy policy) {
        int n = sortedEnergy.length;
        int r = Math.min(n, policy.maxRank());
        if (policy.energy() < 1) {
            double total = Arrays.stream(sortedEnergy).sum();
            double acc = 0;
            int needed = n;
            for (int i = 0; i < n; i++) {
                acc += sortedEnergy[i];
                if (acc >= policy.energy() * total) {
                    needed = i + 1;
                    break;
                }
            }
            r = Math.min(r, needed);
        }
        return Math.max(1, r);
    }
}

package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.diffusion.delta.Matrices;


import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The closed-form update of eq. 4 for every K/V layer of a merge, with everything layer-independent built once:
 * <pre>
 *   E = V^T - W0 C^T = [(W_s - W0) C_s^T]_s   [out, m]  (each target row through its own concept's layer W_s)
 *   W = W0 + E M                                [out, d]  (M from {@link MergeProjector}, shared by every layer)
 * </pre>
 * The merge stops at the factors: W - W0 = E M has rank at most m (the distinct target rows, 16 for two concepts),
 * so each layer's change is E and the shared M, exactly, in (out + d) m values instead of out d. Forming W is one
 * product more ({@link Output#merged}), done where a dense weight is needed (installing the merge into a loaded model,
 * or the sampler applying the stored delta), through {@link LayerWeight.Factored#materialize}.
 *
 * <p>E is computed per concept from the concept's change W_s - W0, in one pass over the weights, by
 * {@link ChangeProduct}, whose fixed summation order gives the same bits on every CPU and thread count. A layer a
 * concept left unchanged contributes exact zeros without being read. Rows are split among
 * {@code ai.djl.pytorch.num_threads} workers (the engine's own thread setting), the whole machine when unset.
 *
 * <p>The products run in float32, the weights' own type: the factors are stored as float32, so float32 products add
 * rounding of the order of the rounding the stored weight has anyway (eps times |W - W0| |C|). The solve, whose
 * conditioning does need it, stays float64 in {@link MergeProjector}.
 */
public final class AllLayersMerge {
    /** Rows per task: small enough to balance 32 unequal layers over the workers, large enough to amortise a task. */
    private static final int ROWS_PER_TASK = 64;
    private static final ForkJoinPool WORKERS = new ForkJoinPool(Math.max(1, Integer.getInteger(
            "ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors())));

    private AllLayersMerge() {
    }

    /**
     * @param changes             per layer E [out, m], row-major
     * @param projector           M [m, d], row-major, shared by every layer (kept target rows in the grouped order
     *                            of {@code changes}' columns)
     * @param rank                m
     * @param maxConstraintError  max |W C^T - V^T| over all layers and distinct target rows, W = W0 + E M; NaN when
     *                            not checked
     */
    public record Output(List<float[]> changes, float[] projector, int rank, double maxConstraintError) {
        /** Layer {@code l}'s merged weight W = W0 + E M, formed as the sampler forms a stored factored delta. */
        public float[] merged(int l, float[] w0) {
            int d = projector.length / rank;
            return new LayerWeight.Factored(w0.length / d, d, rank, changes.get(l), projector).materialize(w0);
        }
    }

    /**
     * @param projector        built from the target features C of all target rows
     * @param base             per layer its W0 [out, d], row-major float32
     * @param tuned            per layer, per source (concept delta), its fine-tuned weight; the very array of the
     *                         base weight where the source does not change the layer
     * @param targetSource     for every target row given to the projector, the index of its source
     * @param checkConstraints whether to measure the constraint error
     */
    public static Output merge(MergeProjector projector, List<float[]> base, List<List<float[]>> tuned,
                               int[] targetSource, boolean checkConstraints) {
        return merge(projector, base, tuned, targetSource, checkConstraints, WORKERS);
    }

    static Output merge(MergeProjector projector, List<float[]> base, List<List<float[]>> tuned, int[] targetSource,
                        boolean checkConstraints, ForkJoinPool workers) {
        int d = projector.width();
        if (tuned.size() != base.size()) {
            throw new IllegalArgumentException(base.size() + " base layers but " + tuned.size() + " tuned ones");
        }
        int sources = tuned.isEmpty() ? 0 : tuned.get(0).size();
        for (int l = 0; l < base.size(); l++) {
            float[] w0 = base.get(l);
            if (w0.length == 0 || w0.length % d != 0) {
                throw new IllegalArgumentException("layer " + l + ": base weight of " + w0.length
                        + " values is not [out, " + d + "]");
            }
            if (tuned.get(l).size() != sources) {
                throw new IllegalArgumentException("layer " + l + " has " + tuned.get(l).size()
                        + " tuned weights, layer 0 has " + sources);
            }
            for (float[] t : tuned.get(l)) {
                if (t.length != w0.length) {
                    throw new IllegalArgumentException("layer " + l + ": tuned weight of " + t.length
                            + " values does not match the base's " + w0.length);
                }
            }
        }
        int[] kept = projector.keptRowIndices();
        int maxRow = kept.length == 0 ? -1 : kept[kept.length - 1];
        if (targetSource.length <= maxRow) {
            throw new IllegalArgumentException("targetSource has " + targetSource.length
                    + " entries, expected one per target row");
        }
        // kept target rows grouped by source, so each source's rows are one contiguous block of C
        List<Integer> order = new ArrayList<>();
        List<int[]> blocks = new ArrayList<>(); // {source, from, to} in grouped order
        for (int s = 0; s < sources; s++) {
            int from = order.size();
            for (int j = 0; j < kept.length; j++) {
                if (targetSource[kept[j]] == s) {
                    order.add(j);
                }
            }
            if (order.size() > from) {
                blocks.add(new int[] {s, from, order.size()});
            }
        }
        if (order.size() != kept.length) {
            throw new IllegalArgumentException("a target row names a source outside 0.." + (sources - 1));
        }
        int m = kept.length;
        int[] grouped = order.stream().mapToInt(Integer::intValue).toArray();
        float[] c = Matrices.toFloats(MergeProjector.selectRows(projector.targetMatrix(), grouped));
        float[] mm = Matrices.toFloats(MergeProjector.selectRows(projector.projectorMatrix(), grouped));
        // W C^T - V^T = W0 C^T + E M C^T - V^T = E (M C^T - I): every layer's residual from its own E and one m x m
        // matrix, the same quantity as measured on a formed W, without forming it
        double[] gap = new double[m * m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += (double) mm[i * d + k] * c[j * d + k];
                }
                gap[i * m + j] = s - (i == j ? 1 : 0);
            }
        }
        List<ChangeProduct.Targets> blockRows = new ArrayList<>();
        for (int[] b : blocks) {
            blockRows.add(ChangeProduct.Targets.of(c, b[1], b[2], d));
        }
        List<float[]> changes = new ArrayList<>();
        List<ForkJoinTask<Double>> tasks = new ArrayList<>();
        for (int l = 0; l < base.size(); l++) {
            float[] w0 = base.get(l);
            List<float[]> own = tuned.get(l);
            int out = w0.length / d;
            float[] e = new float[out * m];
            changes.add(e);
            for (int r0 = 0; r0 < out; r0 += ROWS_PER_TASK) {
                int from = r0;
                int to = Math.min(out, r0 + ROWS_PER_TASK);
                tasks.add(workers.submit(() -> {
                    for (int bi = 0; bi < blocks.size(); bi++) {
                        int[] b = blocks.get(bi);
                        float[] w = own.get(b[0]);
                        if (w != w0) {
                            ChangeProduct.multiply(w0, w, blockRows.get(bi), e, m, b[1], from, to);
                        }
                    }
                    return checkConstraints ? residual(e, gap, m, from, to) : Double.NaN;
                }));
            }
        }
        double err = checkConstraints ? 0 : Double.NaN;
        for (ForkJoinTask<Double> t : tasks) {
            double r = t.join();
            if (checkConstraints) {
                err = Double.isNaN(r) || Double.isNaN(err) ? Double.NaN : Math.max(err, r);
            }
        }
        return new Output(changes, mm, m, err);
    }

    /** max |E (M C^T - I)| over rows from..to of one layer's E. */
    private static double residual(float[] e, double[] gap, int m, int from, int to) {
        double max = 0;
        double[] r = new double[m];
        for (int i = from; i < to; i++) {
            java.util.Arrays.fill(r, 0);
            // a row of E times the gap as a sum of the gap's rows: the inner loop runs over contiguous memory and
            // the JIT vectorises it, where a dot product per element would stay scalar
            for (int q = 0; q < m; q++) {
                double x = e[i * m + q];
                int g = q * m;
                for (int j = 0; j < m; j++) {
                    r[j] += x * gap[g + j];
                }
            }
            for (int j = 0; j < m; j++) {
                if (Double.isNaN(r[j])) {
                    return Double.NaN;
                }
                max = Math.max(max, Math.abs(r[j]));
            }
        }
        return max;
    }
}

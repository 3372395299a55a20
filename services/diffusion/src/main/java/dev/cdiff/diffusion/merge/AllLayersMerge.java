package dev.cdiff.diffusion.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;

import java.util.ArrayList;
import java.util.List;

/**
 * The closed-form update of eq. 4 for every K/V layer of a merge, with everything layer-independent built once:
 * <pre>
 *   E = V^T - W0 C^T            [out, m]  (V^T: each target row through its own concept's fine-tuned layer)
 *   W = W0 + E M                [out, d]  (M from {@link MergeProjector}, shared by every layer)
 * </pre>
 * The merge stops at the factors: W - W0 = E M has rank at most m (the distinct target rows, 16 for two concepts),
 * so each layer's change is E and the shared M, exactly, in (out + d) m values instead of out d. Forming W is one
 * product more ({@link #apply}), done where a dense weight is needed (installing the merge into a loaded model, or
 * the sampler applying the stored delta). At SD-1.5 shapes that product and its 77 MB of fresh output were half of
 * a warm merge's time; the stored merge is 24 times smaller.
 *
 * <p>C^T and M are put on the engine once per merge (grouped by concept so that each concept's values are one
 * product), each layer then costs its two or three products, and the constraint errors of all layers come back to
 * the JVM in one transfer. {@code apply} of the result equals {@link MergeProjector#merge(NDArray, NDArray)} layer by
 * layer.
 *
 * <p>Why per layer and not one product over all layers stacked: stacking copies every weight into a new [sum of
 * outputs, d] array (77 MB per stack at SD-1.5 shapes) whose first-touch page faults cost more, on these machines,
 * than the ~8 engine calls per layer it saves.
 *
 * <p>The products run in the weights' own type. Real weights are float32 and the factors are stored as float32, so
 * float32 products add rounding of the order of the rounding the stored weight has anyway (eps times |W||C|). The
 * solve, whose conditioning does need it, stays float64 in {@link MergeProjector}; float64 weights give the whole
 * update in float64.
 */
public final class AllLayersMerge {
    private AllLayersMerge() {
    }

    /**
     * @param changes             per layer E [out, m], in the type and manager of its base weight
     * @param projector           M [m, d] shared by every layer, in the type and manager of the first base weight
     *                            (null when there are no layers)
     * @param maxConstraintError  max |W C^T - V^T| over all layers and distinct target rows, W = W0 + E M; NaN when
     *                            not checked
     */
    public record Output(List<NDArray> changes, NDArray projector, double maxConstraintError) {
        /** Layer {@code l}'s merged weight W = W0 + E M, in the manager of {@code w0}. */
        public NDArray merged(int l, NDArray w0) {
            return apply(w0, changes.get(l), projector);
        }

        /** Releases the factors (they live in the base weights' managers). */
        public void close() {
            changes.forEach(NDArray::close);
            if (projector != null) {
                projector.close();
            }
        }
    }

    /** W = W0 + E M as one fused multiply-add (libtorch's linear is addmm for 2-D operands), in w0's manager. */
    public static NDArray apply(NDArray w0, NDArray change, NDArray projector) {
        try (NDManager tmp = w0.getManager().newSubManager()) {
            NDArray mt = projector.transpose();
            mt.attach(tmp);
            NDArray w = Linear.linear(change, mt, w0).singletonOrThrow();
            w.attach(w0.getManager());
            return w;
        }
    }

    /**
     * @param projector        built from the target features C of all target rows
     * @param base             per layer its W0 [out, d], float32 or float64
     * @param tuned            per layer, per source (concept delta), its fine-tuned weight (the base weight where the
     *                         source does not change the layer), same shape and type as the layer's base weight
     * @param targetSource     for every target row given to the projector, the index of its source
     * @param checkConstraints whether to measure the constraint error (one more [out, d] x [d, m] product per layer)
     */
    public static Output merge(MergeProjector projector, List<NDArray> base, List<List<NDArray>> tuned,
                               int[] targetSource, boolean checkConstraints) {
        if (base.isEmpty()) {
            return new Output(List.of(), null, checkConstraints ? 0 : Double.NaN);
        }
        if (tuned.size() != base.size()) {
            throw new IllegalArgumentException(base.size() + " base layers but " + tuned.size() + " tuned ones");
        }
        DataType type = base.get(0).getDataType();
        int sources = tuned.get(0).size();
        for (int l = 0; l < base.size(); l++) {
            NDArray w0 = base.get(l);
            if (w0.getShape().dimension() != 2 || w0.getShape().get(1) != projector.width()
                    || w0.getDataType() != type) {
                throw new IllegalArgumentException("layer " + l + ": base weight must be [out, " + projector.width()
                        + "] " + type + ", got " + w0.getShape() + " " + w0.getDataType());
            }
            if (tuned.get(l).size() != sources) {
                throw new IllegalArgumentException("layer " + l + " has " + tuned.get(l).size()
                        + " tuned weights, layer 0 has " + sources);
            }
            for (NDArray t : tuned.get(l)) {
                if (!t.getShape().equals(w0.getShape()) || t.getDataType() != type) {
                    throw new IllegalArgumentException("layer " + l + ": tuned weight " + t.getShape() + " "
                            + t.getDataType() + " does not match the base " + w0.getShape() + " " + type);
                }
            }
        }
        int[] kept = projector.keptRowIndices();
        int maxRow = kept.length == 0 ? -1 : kept[kept.length - 1];
        if (targetSource.length <= maxRow) {
            throw new IllegalArgumentException("targetSource has " + targetSource.length
                    + " entries, expected one per target row");
        }
        // kept target rows grouped by source, so each source's values are one product with a contiguous block of C
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
        try (NDManager tmp = base.get(0).getManager().newSubManager()) {
            NDArray perm = tmp.create(order.stream().mapToLong(Integer::longValue).toArray());
            NDArray c = projector.targets(tmp).get(perm).toType(type, false);
            c.attach(tmp);
            NDArray m = projector.projector(tmp).get(perm).toType(type, false);
            m.attach(tmp);
            NDArray negC = c.neg();
            negC.attach(tmp);
            List<NDArray> blockC = new ArrayList<>();
            for (int[] b : blocks) {
                NDArray cs = c.get(new NDIndex("{}:{}", b[1], b[2]));
                cs.attach(tmp);
                blockC.add(cs);
            }
            // W C^T - V^T = W0 C^T + E M C^T - V^T = E (M C^T - I): the residual of every layer from its own E and
            // one m x m matrix, the same quantity as measured on a formed W, without forming it
            NDArray gap = null;
            if (checkConstraints) {
                NDArray mct = m.matMul(c.transpose());
                mct.attach(tmp);
                gap = mct.sub(tmp.eye(kept.length).toType(type, false));
                gap.attach(tmp);
            }
            List<NDArray> changes = new ArrayList<>();
            for (int l = 0; l < base.size(); l++) {
                NDArray w0 = base.get(l);
                try (NDManager layer = tmp.newSubManager()) {
                    List<NDArray> parts = new ArrayList<>();
                    for (int i = 0; i < blocks.size(); i++) {
                        // C_s W_s^T, then viewed transposed: W_s C_s^T with a narrow C_s^T (8 columns) takes a
                        // matrix-vector-like path about 3x slower than the same product in this orientation
                        NDArray part = Linear.linear(blockC.get(i), tuned.get(l).get(blocks.get(i)[0]))
                                .singletonOrThrow();
                        part.attach(layer);
                        NDArray partT = part.transpose();
                        partT.attach(layer);
                        parts.add(partT);
                    }
                    NDArray vt = parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 1);
                    vt.attach(layer);
                    // E = V^T - W0 C^T as one fused multiply-add: no separate subtraction pass over the layer
                    NDArray e = Linear.linear(w0, negC, vt).singletonOrThrow();
                    e.attach(w0.getManager());
                    changes.add(e);
                }
            }
            double err = Double.NaN;
            if (checkConstraints) {
                // every layer's E (out x m, 0.4 MB in all at SD-1.5 shapes) in one product and one reduction, rather
                // than three engine calls per layer
                NDArray all = NDArrays.concat(new NDList(changes), 0);
                all.attach(tmp);
                NDArray residual = all.matMul(gap);
                residual.attach(tmp);
                NDArray max = residual.abs().max().toType(DataType.FLOAT64, false);
                max.attach(tmp);
                err = max.getDouble();
            }
            m.attach(base.get(0).getManager());
            return new Output(changes, m, err);
        }
    }
}

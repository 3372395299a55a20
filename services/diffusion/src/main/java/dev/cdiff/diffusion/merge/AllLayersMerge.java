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
 * C^T and M are put on the engine once per merge (grouped by concept so that each concept's values are one product),
 * each layer then costs its three or four products, and the constraint errors of all layers come back to the JVM in
 * one transfer. The result equals {@link MergeProjector#merge(NDArray, NDArray)} layer by layer.
 *
 * <p>Why per layer and not one product over all layers stacked: stacking copies every weight into a new [sum of
 * outputs, d] array (77 MB per stack at SD-1.5 shapes) whose first-touch page faults cost more, on these machines,
 * than the ~8 engine calls per layer it saves; per-layer arrays are small enough for the allocator to reuse.
 *
 * <p>The products run in the weights' own type. Real weights are float32 and the merged weight is stored as float32,
 * so float32 products add rounding of the order of the rounding the stored weight has anyway (eps times |W||C|).
 * The solve, whose conditioning does need it, stays float64 in {@link MergeProjector}; float64 weights give the
 * whole update in float64.
 */
public final class AllLayersMerge {
    private AllLayersMerge() {
    }

    /**
     * @param merged              per layer W [out, d], in the type and manager of its base weight
     * @param maxConstraintError  max |W C^T - V^T| over all layers and distinct target rows; NaN when not checked
     */
    public record Output(List<NDArray> merged, double maxConstraintError) {
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
            return new Output(List.of(), checkConstraints ? 0 : Double.NaN);
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
            NDArray mt = m.transpose();
            mt.attach(tmp);
            List<NDArray> blockC = new ArrayList<>();
            for (int[] b : blocks) {
                NDArray cs = c.get(new NDIndex("{}:{}", b[1], b[2]));
                cs.attach(tmp);
                blockC.add(cs);
            }
            List<NDArray> merged = new ArrayList<>();
            List<NDArray> errors = new ArrayList<>();
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
                    // E = V^T - W0 C^T and W = W0 + E M as fused multiply-adds (libtorch's linear is addmm
                    // for 2-D operands): no separate subtraction or addition pass over the layer
                    NDArray e = Linear.linear(w0, negC, vt).singletonOrThrow();
                    e.attach(layer);
                    NDArray w = Linear.linear(e, mt, w0).singletonOrThrow();
                    w.attach(layer);
                    if (checkConstraints) {
                        // W C^T - V^T on the stored (rounded) weight itself
                        NDArray residual = Linear.linear(w, c, vt.neg()).singletonOrThrow();
                        residual.attach(layer);
                        NDArray max = residual.abs().max();
                        max.attach(tmp);
                        errors.add(max);
                    }
                    w.attach(w0.getManager());
                    merged.add(w);
                }
            }
            double err = Double.NaN;
            if (checkConstraints) {
                NDArray all = NDArrays.stack(new NDList(errors)).max().toType(DataType.FLOAT64, false);
                all.attach(tmp);
                err = all.getDouble();
            }
            return new Output(merged, err);
        }
    }
}

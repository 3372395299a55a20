package dev.cdiff.diffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.models.UNet2DConditionModel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Detached float32 master copies of everything a run trains (UNet parameters by checkpoint name, plus the new token
 * rows under {@link #TOKEN_ROWS}). Each step installs fresh leaf copies that require gradients into the models, so
 * gradients never accumulate on long-lived arrays and the base arrays are never modified; after the step the masters
 * (updated in place by the optimizer) are installed again.
 */
public final class TrainableWeights implements AutoCloseable {
    public static final String TOKEN_ROWS = "token_rows";

    private final NDManager manager;
    private final Map<String, NDArray> unetMasters = new LinkedHashMap<>();
    private final NDArray tokenRows;
    private final int[] tokenIds;

    public TrainableWeights(NDManager parent, Map<String, NDArray> unetParams, float[][] initialRows, int[] tokenIds) {
        this.manager = parent.newSubManager();
        unetParams.forEach((k, v) -> {
            NDArray copy = v.duplicate();
            copy.attach(manager);
            unetMasters.put(k, copy);
        });
        int hidden = initialRows.length == 0 ? 0 : initialRows[0].length;
        float[] flat = new float[initialRows.length * hidden];
        for (int i = 0; i < initialRows.length; i++) {
            System.arraycopy(initialRows[i], 0, flat, i * hidden, hidden);
        }
        this.tokenRows = manager.create(flat, new ai.djl.ndarray.types.Shape(initialRows.length, hidden));
        this.tokenIds = tokenIds.clone();
    }

    public Map<String, NDArray> unetMasters() {
        return Collections.unmodifiableMap(unetMasters);
    }

    public NDArray tokenRows() {
        return tokenRows;
    }

    public int[] tokenIds() {
        return tokenIds.clone();
    }

    /** Every master by name (UNet names, then {@link #TOKEN_ROWS}); live arrays. */
    public Map<String, NDArray> all() {
        Map<String, NDArray> out = new LinkedHashMap<>(unetMasters);
        out.put(TOKEN_ROWS, tokenRows);
        return out;
    }

    /** Leaf copies requiring gradients, created in {@code step} and installed into the UNet. */
    public Map<String, NDArray> installLeaves(UNet2DConditionModel unet, NDManager step) {
        Map<String, NDArray> leaves = new LinkedHashMap<>();
        for (var e : all().entrySet()) {
            NDArray leaf = e.getValue().duplicate();
            leaf.attach(step);
            leaf.setRequiresGradient(true);
            leaves.put(e.getKey(), leaf);
            if (!e.getKey().equals(TOKEN_ROWS)) {
                unet.setParameter(e.getKey(), leaf);
            }
        }
        return leaves;
    }

    public void installMasters(UNet2DConditionModel unet) {
        unetMasters.forEach(unet::setParameter);
    }

    /** Replaces master values (e.g. from a checkpoint). */
    void load(Map<String, float[]> values) {
        for (var e : all().entrySet()) {
            float[] v = values.get(e.getKey());
            if (v == null) {
                throw new IllegalArgumentException("checkpoint lacks trainable tensor " + e.getKey());
            }
            if (v.length != e.getValue().size()) {
                throw new IllegalArgumentException("checkpoint tensor " + e.getKey() + " has " + v.length
                        + " values, expected " + e.getValue().size());
            }
            e.getValue().set(v);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}

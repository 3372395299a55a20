package dev.cdiff.toyworld.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Detached float32 copies of every parameter of a model, updated by AdamW. Each step installs fresh leaf copies
 * that require gradients (in the step's manager), so gradients never accumulate on long-lived arrays.
 */
final class MasterWeights implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> masters = new LinkedHashMap<>();
    private final BiConsumer<String, NDArray> install;

    MasterWeights(Map<String, NDArray> parameters, BiConsumer<String, NDArray> install, NDManager parent) {
        this.manager = parent.newSubManager();
        this.install = install;
        parameters.forEach((k, v) -> {
            NDArray copy = v.toType(DataType.FLOAT32, true);
            copy.attach(manager);
            masters.put(k, copy);
        });
    }

    Map<String, NDArray> masters() {
        return masters;
    }

    Map<String, NDArray> installLeaves(NDManager step) {
        Map<String, NDArray> leaves = new LinkedHashMap<>();
        masters.forEach((k, v) -> {
            NDArray leaf = v.duplicate();
            leaf.attach(step);
            leaf.setRequiresGradient(true);
            install.accept(k, leaf);
            leaves.put(k, leaf);
        });
        return leaves;
    }

    void installMasters() {
        masters.forEach(install);
    }

    static Map<String, NDArray> gradients(Map<String, NDArray> leaves, NDManager step) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        leaves.forEach((k, leaf) -> {
            NDArray g = leaf.getGradient();
            g.attach(step);
            grads.put(k, g);
        });
        return grads;
    }

    /** Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
    static double clip(Map<String, NDArray> grads, double maxNorm, NDManager step) {
        double sq = 0;
        for (NDArray g : grads.values()) {
            NDArray s = g.square().sum();
            s.attach(step);
            sq += s.getFloat();
        }
        double norm = Math.sqrt(sq);
        if (maxNorm > 0 && norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            grads.values().forEach(g -> g.muli(scale));
        }
        return norm;
    }

    @Override
    public void close() {
        manager.close();
    }
}

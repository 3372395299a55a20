package dev.cdiff.diffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * torch.optim.AdamW (single-tensor path) on named float32 parameters, updated in place:
 * <pre>
 *   p *= 1 - lr * wd                       (decoupled weight decay)
 *   m = m + (1 - b1) (g - m)               (lerp)
 *   v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Moments live in the optimizer's own manager; every temporary of a step is created in the caller's step manager.
 * The parameters passed to {@link #step} must not require gradients (the trainer keeps detached master copies).
 */
public final class AdamW implements AutoCloseable {
    public record Hyper(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public Hyper {
            if (!(lr >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps >= 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("invalid AdamW hyper-parameters " + lr + " " + beta1 + " " + beta2
                        + " " + eps + " " + weightDecay);
            }
        }

        public static Hyper defaults(double lr) {
            return new Hyper(lr, 0.9, 0.999, 1e-8, 1e-2);
        }
    }

    static final boolean CHECK = Boolean.getBoolean("cdiff.checkFinite");
    private final Hyper hyper;
    private final NDManager manager;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long step;

    public AdamW(Hyper hyper, NDManager parent) {
        this.hyper = hyper;
        this.manager = parent.newSubManager();
    }

    public Hyper hyper() {
        return hyper;
    }

    public long stepCount() {
        return step;
    }

    /**
     * One update of every parameter that has a gradient in {@code grads}.
     *
     * @param stepManager receives every temporary; close it after the step
     */
    public void step(Map<String, NDArray> params, Map<String, NDArray> grads, NDManager stepManager) {
        step++;
        double lr = hyper.lr();
        double bc1 = 1 - Math.pow(hyper.beta1(), step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(hyper.beta2(), step));
        float stepSize = (float) (lr / bc1);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            NDArray p = e.getValue();
            NDArray m = expAvg.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
            NDArray v = expAvgSq.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
            if (hyper.weightDecay() != 0) {
                p.muli((float) (1 - lr * hyper.weightDecay()));
            }
            NDArray gMinusM = attach(g.sub(m), stepManager);
            m.addi(gMinusM.muli((float) (1 - hyper.beta1())));
            NDArray g2 = attach(g.mul(g), stepManager);
            v.muli((float) hyper.beta2()).addi(g2.muli((float) (1 - hyper.beta2())));
            NDArray denom = attach(v.sqrt(), stepManager).divi((float) bc2Sqrt).addi((float) hyper.eps());
            NDArray update = attach(m.div(denom), stepManager).muli(stepSize);
            p.subi(update);
            if (CHECK && !CustomDiffusionLoss.finite(p).equals("finite")) {
                throw new IllegalStateException("AdamW produced non-finite " + e.getKey() + ": grad " + CustomDiffusionLoss.finite(g)
                        + " m " + CustomDiffusionLoss.finite(m) + " v " + CustomDiffusionLoss.finite(v) + " denom "
                        + CustomDiffusionLoss.finite(denom) + " update " + CustomDiffusionLoss.finite(update));
            }
        }
    }

    private static NDArray attach(NDArray a, NDManager stepManager) {
        a.attach(stepManager);
        return a;
    }

    /** First and second moments by parameter name, for checkpoints (live arrays; do not close). */
    public Map<String, NDArray> firstMoments() {
        return expAvg;
    }

    public Map<String, NDArray> secondMoments() {
        return expAvgSq;
    }

    /** Restores state saved from {@link #firstMoments()}, {@link #secondMoments()} and {@link #stepCount()}. */
    public void restore(long stepCount, Map<String, float[]> first, Map<String, float[]> second,
                        Map<String, NDArray> shapesFrom) {
        this.step = stepCount;
        expAvg.values().forEach(NDArray::close);
        expAvgSq.values().forEach(NDArray::close);
        expAvg.clear();
        expAvgSq.clear();
        for (var e : first.entrySet()) {
            NDArray like = shapesFrom.get(e.getKey());
            if (like == null) {
                throw new IllegalArgumentException("checkpoint has optimizer state for unknown parameter " + e.getKey());
            }
            expAvg.put(e.getKey(), manager.create(e.getValue(), like.getShape()));
            float[] sq = second.get(e.getKey());
            if (sq == null) {
                throw new IllegalArgumentException("checkpoint lacks the second moment of " + e.getKey());
            }
            expAvgSq.put(e.getKey(), manager.create(sq, like.getShape()));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}

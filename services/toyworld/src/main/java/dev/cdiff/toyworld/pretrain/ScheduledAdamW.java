package dev.cdiff.toyworld.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay, bias-corrected, as torch.optim.AdamW) whose learning rate is given per step,
 * for warm-up and cosine schedules. The core's AdamW keeps a fixed rate, which fits fine-tuning but not pretraining.
 */
final class ScheduledAdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long step;

    ScheduledAdamW(double weightDecay, NDManager parent) {
        this.beta1 = 0.9;
        this.beta2 = 0.999;
        this.eps = 1e-8;
        this.weightDecay = weightDecay;
        this.manager = parent.newSubManager();
    }

    void step(Map<String, NDArray> params, Map<String, NDArray> grads, double lr, NDManager stepManager) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = grads.get(e.getKey());
            if (g == null) continue;
            NDArray p = e.getValue();
            NDArray mi = m.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
            NDArray vi = v.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
            if (weightDecay != 0) p.muli((float) (1 - lr * weightDecay));
            mi.muli((float) beta1).addi(attach(g.mul((float) (1 - beta1)), stepManager));
            vi.muli((float) beta2).addi(attach(g.square().muli((float) (1 - beta2)), stepManager));
            NDArray denom = attach(vi.sqrt(), stepManager).divi((float) bc2Sqrt).addi((float) eps);
            NDArray update = attach(mi.div(denom), stepManager).muli((float) (lr / bc1));
            p.subi(update);
        }
    }

    private static NDArray attach(NDArray a, NDManager stepManager) {
        a.attach(stepManager);
        return a;
    }

    @Override
    public void close() {
        manager.close();
    }
}

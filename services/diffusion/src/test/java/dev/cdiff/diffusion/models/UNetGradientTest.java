package dev.cdiff.diffusion.models;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UNetGradientTest {
    private static double weightedSum(NDArray out, float[] weights) {
        float[] o = out.toFloatArray();
        double s = 0;
        for (int i = 0; i < o.length; i++) {
            s += (double) o[i] * weights[i];
        }
        return s;
    }

    @Test
    void onlyTrainableParametersGetGradientsAndOneMatchesFiniteDifference() {
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(ModelFixtures.tinySd().resolve("unet"), m)) {
            Map<String, NDArray> kv = unet.crossAttentionKv();
            // 2 down transformers + 1 mid + 3 up, each with to_k and to_v.
            assertEquals(12, kv.size());
            kv.values().forEach(w -> w.setRequiresGradient(true));
            String probeName = kv.keySet().iterator().next();
            NDArray probe = kv.get(probeName);

            NDArray[] in = ModelFixtures.unetInputs(m);
            float[] lossWeights;
            try (NDArray r = ModelFixtures.gaussian(m, 7, 2, 4, 16, 16)) {
                lossWeights = r.toFloatArray();
            }
            float[] analytic;
            try (NDManager step = m.newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = unet.forward(in[0], in[1], in[2]);
                out.attach(step);
                NDArray loss = out.mul(step.create(lossWeights, out.getShape())).sum();
                gc.backward(loss);
                for (Map.Entry<String, NDArray> e : kv.entrySet()) {
                    float[] g = e.getValue().getGradient().toFloatArray();
                    double norm = 0;
                    for (float v : g) {
                        norm += Math.abs(v);
                    }
                    assertTrue(norm > 0, "no gradient reached " + e.getKey());
                }
                analytic = probe.getGradient().toFloatArray();
            }
            for (Map.Entry<String, NDArray> e : unet.parameters().entrySet()) {
                if (!kv.containsKey(e.getKey())) {
                    assertFalse(e.getValue().hasGradient(), e.getKey() + " must not get a gradient");
                }
            }

            int idx = 0;
            for (int i = 1; i < analytic.length; i++) {
                if (Math.abs(analytic[i]) > Math.abs(analytic[idx])) {
                    idx = i;
                }
            }
            float eps = 1e-2f;
            float[] base = probe.toFloatArray();
            double[] losses = new double[2];
            for (int s = 0; s < 2; s++) {
                float[] w = base.clone();
                w[idx] += s == 0 ? eps : -eps;
                try (NDManager step = m.newSubManager()) {
                    NDArray perturbed = step.create(w, probe.getShape());
                    unet.setParameter(probeName, perturbed);
                    losses[s] = weightedSum(unet.forward(in[0].duplicate(), in[1], in[2]), lossWeights);
                    unet.setParameter(probeName, probe);
                }
            }
            double numeric = (losses[0] - losses[1]) / (2 * eps);
            double err = Math.abs(numeric - analytic[idx]);
            System.out.printf("finite difference %s[%d]: analytic %.6f numeric %.6f%n", probeName, idx,
                    analytic[idx], numeric);
            assertTrue(err <= 5e-3 + 1e-2 * Math.abs(numeric), "analytic " + analytic[idx] + " vs numeric " + numeric);
        }
    }

    @Test
    void detachingFirstTokenStopsItsGradientButKeepsTheOutput() {
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(ModelFixtures.tinySd().resolve("unet"), m)) {
            NDArray[] in = ModelFixtures.unetInputs(m);
            float[][] outputs = new float[2][];
            float[][] firstTokenGrad = new float[2][];
            float[][] otherTokenGrad = new float[2][];
            for (int mode = 0; mode < 2; mode++) {
                unet.setDetachFirstTokenKv(mode == 1);
                try (NDManager step = m.newSubManager()) {
                    NDArray context = in[2].duplicate();
                    context.attach(step);
                    context.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray out = unet.forward(in[0], in[1], context);
                        out.attach(step);
                        outputs[mode] = out.toFloatArray();
                        gc.backward(out.square().sum());
                    }
                    NDArray grad = context.getGradient();
                    firstTokenGrad[mode] = grad.get(new NDIndex(":, 0, :")).toFloatArray();
                    otherTokenGrad[mode] = grad.get(new NDIndex(":, 1:, :")).toFloatArray();
                }
            }
            assertArrayEquals(outputs[0], outputs[1], 1e-6f, "detaching must not change the forward value");
            assertTrue(absSum(firstTokenGrad[0]) > 0, "without detaching, token 0 receives gradient");
            assertEquals(0.0, absSum(firstTokenGrad[1]), "with detaching, token 0 receives no gradient");
            assertArrayEquals(otherTokenGrad[0], otherTokenGrad[1], 1e-5f, "other tokens are unaffected");
        }
    }

    private static double absSum(float[] a) {
        double s = 0;
        for (float v : a) {
            s += Math.abs(v);
        }
        return s;
    }
}

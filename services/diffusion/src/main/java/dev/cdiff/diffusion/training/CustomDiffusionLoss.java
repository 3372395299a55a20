package dev.cdiff.diffusion.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.schedulers.Scheduler;
import dev.cdiff.diffusion.text.ClipTextEncoder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loss and gradients of one Custom Diffusion step, as in the reference trainer:
 * target = noise (epsilon) or the velocity (v_prediction); instance loss = mean over target items of
 * sum((pred - target)^2 * mask) / sum(mask) (mask summed over its single channel); prior loss = plain MSE over the
 * regularization items; loss = instance + priorLossWeight * prior.
 */
public final class CustomDiffusionLoss {
    private CustomDiffusionLoss() {
    }

    /**
     * @param gradSquares per gradient (same order as {@code grads}) the float32 sum of its squared entries, computed
     *                    once on the engine side: it serves both the finiteness check and {@link #clipGradNorm}
     */
    public record Result(float loss, float instanceLoss, float priorLoss, Map<String, NDArray> grads,
                         float[] gradSquares) {
        public Result(float loss, float instanceLoss, float priorLoss, Map<String, NDArray> grads) {
            this(loss, instanceLoss, priorLoss, grads, sumsOfSquares(grads));
        }
    }

    /**
     * @param leaves trainable leaf arrays (already installed in the UNet; {@link TrainableWeights#TOKEN_ROWS} feeds
     *               the text encoder rows {@code tokenIds})
     */
    public static Result compute(ClipTextEncoder textEncoder, UNet2DConditionModel unet, Scheduler scheduler,
                          TrainingBatch batch, Map<String, NDArray> leaves, int[] tokenIds, double priorLossWeight,
                          NDManager step) {
        NDArray target;
        NDArray noisy;
        try (NDManager prep = step.newSubManager()) {
            noisy = scheduler.addNoise(batch.latents(), batch.noise(), batch.timesteps());
            noisy.attach(step);
            switch (scheduler.predictionType()) {
                case "epsilon":
                    target = batch.noise();
                    break;
                case "v_prediction":
                    target = scheduler.getVelocity(batch.latents(), batch.noise(), batch.timesteps());
                    target.attach(step);
                    break;
                default:
                    throw new IllegalArgumentException("training does not support prediction_type "
                            + scheduler.predictionType() + " (epsilon or v_prediction)");
            }
        }
        NDArray rows = leaves.get(TrainableWeights.TOKEN_ROWS);
        float lossValue;
        float instValue;
        float priorValue = 0f;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray hidden = tokenIds.length == 0 ? textEncoder.encode(batch.inputIds())
                    : textEncoder.encode(batch.inputIds(), rows, tokenIds);
            hidden.attach(step);
            NDArray pred = unet.forward(noisy, batch.timesteps(), hidden);
            pred.attach(step);
            NDArray se = pred.sub(target).square();
            int n = batch.instanceCount();
            NDArray inst;
            NDArray loss;
            if (batch.hasRegularization()) {
                NDArray seInst = se.get(new NDIndex(":{}", n));
                NDArray sePrior = se.get(new NDIndex("{}:", n));
                inst = maskedMean(seInst, batch.mask());
                NDArray prior = sePrior.mean();
                priorValue = prior.getFloat();
                // scalar as an engine-owned 0-d tensor: DJL's mul(Number) wraps a Java buffer that is freed while autograd
                // still holds it for the backward pass (docs/djl-notes.md, point 1)
                NDArray weight = prior.getManager().full(new Shape(), (float) priorLossWeight);
                loss = inst.add(prior.mul(weight));
            } else {
                inst = maskedMean(se, batch.mask());
                loss = inst;
            }
            instValue = inst.getFloat();
            lossValue = loss.getFloat();
            if (!Float.isFinite(lossValue)) {
                throw new IllegalStateException("non-finite loss " + lossValue + ": latents " + finite(batch.latents())
                        + ", noisy " + finite(noisy) + ", text features " + finite(hidden) + ", prediction "
                        + finite(pred) + ", token rows " + (rows == null ? "-" : finite(rows)));
            }
            gc.backward(loss);
        }
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (var e : leaves.entrySet()) {
            if (e.getKey().equals(TrainableWeights.TOKEN_ROWS) && tokenIds.length == 0) {
                continue;
            }
            NDArray g = e.getValue().getGradient();
            g.attach(step);
            grads.put(e.getKey(), g);
        }
        // One engine-side reduction per gradient and a single copy to the JVM, instead of copying every gradient to
        // the heap: a NaN or infinity anywhere makes its sum of squares non-finite. Only then are the gradients
        // inspected element by element (a finite gradient whose squares overflow float32 is not an error).
        float[] squares = sumsOfSquares(grads);
        int i = 0;
        for (var e : grads.entrySet()) {
            if (!Float.isFinite(squares[i++])) {
                String state = finite(e.getValue());
                if (!state.equals("finite")) {
                    throw new IllegalStateException("gradient of " + e.getKey() + " has " + state + " values (loss "
                            + lossValue + ", leaf " + finite(leaves.get(e.getKey())) + ")");
                }
            }
        }
        return new Result(lossValue, instValue, priorValue, grads, squares);
    }

    /** Per array, the float32 sum of its squared entries, fetched from the engine in one copy. */
    static float[] sumsOfSquares(Map<String, NDArray> arrays) {
        if (arrays.isEmpty()) {
            return new float[0];
        }
        NDList sums = new NDList(arrays.size());
        try {
            for (NDArray g : arrays.values()) {
                try (NDArray sq = g.square()) {
                    sums.add(sq.sum());
                }
            }
            try (NDArray all = NDArrays.stack(sums)) {
                return all.toFloatArray();
            }
        } finally {
            sums.close();
        }
    }

    static String finite(NDArray a) {
        float[] v = a.toFloatArray();
        int bad = 0;
        for (float x : v) {
            if (!Float.isFinite(x)) {
                bad++;
            }
        }
        return bad == 0 ? "finite" : bad + "/" + v.length + " non-finite";
    }

    private static NDArray maskedMean(NDArray se, NDArray mask) {
        NDArray num = se.mul(mask).sum(new int[] {1, 2, 3});
        NDArray den = mask.sum(new int[] {1, 2, 3});
        return num.div(den).mean();
    }

    /** torch.nn.utils.clip_grad_norm_: scales all gradients by min(1, maxNorm / (norm + 1e-6)); returns the norm. */
    static double clipGradNorm(Map<String, NDArray> grads, double maxNorm) {
        return clipGradNorm(grads, maxNorm, sumsOfSquares(grads));
    }

    /** As {@link #clipGradNorm(Map, double)} with the per-gradient sums of squares already known. */
    static double clipGradNorm(Map<String, NDArray> grads, double maxNorm, float[] squares) {
        double sq = 0;
        for (float s : squares) {
            sq += s;
        }
        double norm = Math.sqrt(sq);
        if (maxNorm > 0) {
            double coef = Math.min(1.0, maxNorm / (norm + 1e-6));
            if (coef < 1.0) {
                for (NDArray g : grads.values()) {
                    g.muli((float) coef);
                }
            }
        }
        return norm;
    }
}

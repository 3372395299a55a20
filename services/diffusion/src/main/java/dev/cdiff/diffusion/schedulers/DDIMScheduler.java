package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;

/** diffusers DDIMScheduler; {@link #setEta} selects the stochasticity (0 = deterministic DDIM). */
public final class DDIMScheduler extends AbstractScheduler {
    private final float finalAlphaCumprod;
    private float eta;

    public DDIMScheduler(JsonNode config) {
        super("scheduler (DDIMScheduler)", config, "leading");
        this.finalAlphaCumprod = cfg.getBoolean("set_alpha_to_one", true) ? 1f : schedule.alphaCumprod(0);
    }

    @Override
    public String name() {
        return "ddim";
    }

    public void setEta(float eta) {
        if (eta < 0 || Float.isNaN(eta)) {
            throw new IllegalArgumentException("DDIM eta must be >= 0, got " + eta);
        }
        this.eta = eta;
    }

    public float eta() {
        return eta;
    }

    @Override
    public void setTimesteps(int n) {
        checkStepCount(n);
        numInferenceSteps = n;
        timesteps = spacedTimesteps(n);
    }

    @Override
    public boolean needsVarianceNoise(int timestep) {
        return eta > 0;
    }

    @Override
    public SchedulerStep step(NDArray modelOutput, int t, NDArray sample, NDArray varianceNoise) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException("call setTimesteps before step");
        }
        checkTimestep(t);
        // diffusers steps back by a fixed stride whatever the spacing
        int prevT = t - numTrainTimesteps / numInferenceSteps;
        float at = schedule.alphaCumprod(t);
        float aPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;
        float betaT = 1f - at;
        NDArray[] pred = predictX0AndEpsilon(modelOutput, sample, at);
        NDArray x0 = clipIfConfigured(pred[0]);
        NDArray eps = pred[1];
        float variance = ((1f - aPrev) / betaT) * (1f - at / aPrev);
        float std = eta * (float) Math.sqrt(variance);
        NDArray direction = eps.mul((float) Math.sqrt(1f - aPrev - std * std));
        NDArray prev = x0.mul((float) Math.sqrt(aPrev)).add(direction);
        if (eta > 0) {
            if (varianceNoise == null) {
                throw new IllegalArgumentException("DDIM step with eta > 0 needs variance noise");
            }
            prev = prev.add(varianceNoise.mul(std));
        }
        return new SchedulerStep(prev, x0);
    }
}

package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.UnsupportedConfigException;

/** diffusers DDPMScheduler (ancestral sampling with fixed_small / fixed_small_log / fixed_large variance). */
public final class DDPMScheduler extends AbstractScheduler {
    private final String varianceType;

    public DDPMScheduler(JsonNode config) {
        super("scheduler (DDPMScheduler)", config, "leading");
        String vt = cfg.getString("variance_type", "fixed_small");
        if (!vt.equals("fixed_small") && !vt.equals("fixed_small_log") && !vt.equals("fixed_large")) {
            throw UnsupportedConfigException.option(cfg.component(), "variance_type", vt);
        }
        this.varianceType = vt;
    }

    @Override
    public String name() {
        return "ddpm";
    }

    @Override
    public void setTimesteps(int n) {
        checkStepCount(n);
        numInferenceSteps = n;
        timesteps = spacedTimesteps(n);
    }

    /** Next timestep in the schedule, or -1 after the last; t - 1 before setTimesteps. */
    int previousTimestep(int t) {
        if (numInferenceSteps == 0) {
            return t - 1;
        }
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                return i == timesteps.length - 1 ? -1 : timesteps[i + 1];
            }
        }
        throw new IllegalArgumentException("timestep " + t + " is not in the current schedule");
    }

    @Override
    public boolean needsVarianceNoise(int timestep) {
        return timestep > 0;
    }

    /** Standard deviation of the noise a step at t adds. */
    float noiseStd(int t) {
        int prevT = previousTimestep(t);
        float at = schedule.alphaCumprod(t);
        float aPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : 1f;
        float currentBeta = 1f - at / aPrev;
        float variance = Math.max((1f - aPrev) / (1f - at) * currentBeta, 1e-20f);
        switch (varianceType) {
            case "fixed_large":
                return (float) Math.sqrt(currentBeta);
            case "fixed_small_log":
                return (float) Math.exp(0.5f * (float) Math.log(variance));
            default:
                return (float) Math.sqrt(variance);
        }
    }

    @Override
    public SchedulerStep step(NDArray modelOutput, int t, NDArray sample, NDArray varianceNoise) {
        checkTimestep(t);
        int prevT = previousTimestep(t);
        float at = schedule.alphaCumprod(t);
        float aPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : 1f;
        float betaT = 1f - at;
        float betaPrev = 1f - aPrev;
        float currentAlpha = at / aPrev;
        float currentBeta = 1f - currentAlpha;

        NDArray x0 = clipIfConfigured(predictX0AndEpsilon(modelOutput, sample, at)[0]);
        float x0Coeff = ((float) Math.sqrt(aPrev) * currentBeta) / betaT;
        float sampleCoeff = (float) Math.sqrt(currentAlpha) * betaPrev / betaT;
        NDArray prev = x0.mul(x0Coeff).add(sample.mul(sampleCoeff));
        if (t > 0) {
            if (varianceNoise == null) {
                throw new IllegalArgumentException("DDPM step at timestep " + t + " needs variance noise");
            }
            prev = prev.add(varianceNoise.mul(noiseStd(t)));
        }
        return new SchedulerStep(prev, x0);
    }
}

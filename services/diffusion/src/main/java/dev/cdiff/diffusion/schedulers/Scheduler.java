package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A diffusers-compatible noise scheduler. {@link #step} may keep state between calls (multistep
 * solvers), so call {@link #setTimesteps} before each sampling run.
 */
public interface Scheduler {
    /** Short name: ddpm, ddim or dpm. */
    String name();

    void setTimesteps(int numInferenceSteps);

    /** Timesteps of the current schedule, from noisiest to cleanest. */
    int[] timesteps();

    /**
     * One reverse-diffusion step. {@code varianceNoise} is the standard normal noise a stochastic
     * step adds (DDPM at t > 0, DDIM with eta > 0); it is required exactly when
     * {@link #needsVarianceNoise(int)} is true.
     */
    SchedulerStep step(NDArray modelOutput, int timestep, NDArray sample, NDArray varianceNoise);

    boolean needsVarianceNoise(int timestep);

    /** q(x_t | x_0): sqrt(acp[t]) * x0 + sqrt(1 - acp[t]) * noise, with one timestep per batch item. */
    NDArray addNoise(NDArray originalSamples, NDArray noise, NDArray timesteps);

    /** v-prediction target: sqrt(acp[t]) * noise - sqrt(1 - acp[t]) * x0. */
    NDArray getVelocity(NDArray sample, NDArray noise, NDArray timesteps);

    float[] alphasCumprod();

    String predictionType();

    int numTrainTimesteps();

    float initNoiseSigma();

    /** The model input for a step; the identity for the schedulers here, kept for interchangeability. */
    default NDArray scaleModelInput(NDArray sample, int timestep) {
        return sample;
    }

    /** The configuration this scheduler was built from (diffusers scheduler_config.json form). */
    JsonNode config();
}

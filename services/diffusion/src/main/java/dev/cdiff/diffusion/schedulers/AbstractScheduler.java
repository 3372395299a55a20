package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ConfigReader;

/** Shared config parsing, forward process and training targets of the schedulers. */
abstract class AbstractScheduler implements Scheduler {
    protected final ConfigReader cfg;
    protected final NoiseSchedule schedule;
    protected final int numTrainTimesteps;
    protected final String predictionType;
    protected final String timestepSpacing;
    protected final int stepsOffset;
    protected int[] timesteps = new int[0];
    protected int numInferenceSteps;

    AbstractScheduler(String component, JsonNode config, String defaultSpacing) {
        this.cfg = new ConfigReader(component, config);
        this.numTrainTimesteps = cfg.getInt("num_train_timesteps", 1000);
        this.schedule = NoiseSchedule.fromConfig(cfg, numTrainTimesteps, 0.0001, 0.02, "linear");
        this.predictionType = cfg.getChoice("prediction_type", "epsilon", "epsilon", "v_prediction", "sample");
        this.timestepSpacing = cfg.getChoice("timestep_spacing", defaultSpacing, "leading", "trailing", "linspace");
        this.stepsOffset = cfg.getInt("steps_offset", 0);
        cfg.rejectTrue("thresholding");
    }

    @Override
    public int[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public float[] alphasCumprod() {
        return schedule.alphasCumprod();
    }

    @Override
    public String predictionType() {
        return predictionType;
    }

    @Override
    public int numTrainTimesteps() {
        return numTrainTimesteps;
    }

    @Override
    public float initNoiseSigma() {
        return 1f;
    }

    @Override
    public JsonNode config() {
        return cfg.node();
    }

    protected void checkStepCount(int n) {
        if (n <= 0 || n > numTrainTimesteps) {
            throw new IllegalArgumentException("num_inference_steps " + n + " must be in 1.." + numTrainTimesteps);
        }
    }

    protected void checkTimestep(int t) {
        if (t < 0 || t >= numTrainTimesteps) {
            throw new IllegalArgumentException("timestep " + t + " is outside 0.." + (numTrainTimesteps - 1));
        }
    }

    /** The n inference timesteps, descending, by the config's timestep_spacing as DDPM and DDIM define it. */
    protected int[] spacedTimesteps(int n) {
        long[] ts;
        switch (timestepSpacing) {
            case "linspace":
                ts = TimestepSpacing.linspaceDescending(numTrainTimesteps - 1, n);
                break;
            case "leading":
                ts = TimestepSpacing.leadingDescending(numTrainTimesteps / n, n);
                for (int i = 0; i < ts.length; i++) {
                    ts[i] += stepsOffset;
                }
                break;
            default:
                ts = TimestepSpacing.trailing(numTrainTimesteps, (double) numTrainTimesteps / n);
                for (int i = 0; i < ts.length; i++) {
                    ts[i] -= 1;
                }
                break;
        }
        return toInts(ts);
    }

    protected static int[] toInts(long[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) values[i];
        }
        return out;
    }

    @Override
    public NDArray addNoise(NDArray originalSamples, NDArray noise, NDArray timesteps) {
        NDArray[] c = perItemCoefficients(originalSamples, timesteps);
        return originalSamples.mul(c[0]).add(noise.mul(c[1]));
    }

    @Override
    public NDArray getVelocity(NDArray sample, NDArray noise, NDArray timesteps) {
        NDArray[] c = perItemCoefficients(sample, timesteps);
        return noise.mul(c[0]).sub(sample.mul(c[1]));
    }

    /** sqrt(acp[t]) and sqrt(1 - acp[t]) shaped [B, 1, 1, ...] to broadcast over each item. */
    private NDArray[] perItemCoefficients(NDArray like, NDArray timesteps) {
        long[] ts = timesteps.toType(DataType.INT64, false).toLongArray();
        float[] sa = new float[ts.length];
        float[] s1a = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            checkTimestep((int) ts[i]);
            float acp = schedule.alphaCumprod((int) ts[i]);
            sa[i] = (float) Math.sqrt(acp);
            s1a[i] = (float) Math.sqrt(1f - acp);
        }
        long[] shape = new long[Math.max(1, like.getShape().dimension())];
        java.util.Arrays.fill(shape, 1);
        shape[0] = ts.length;
        var m = like.getManager();
        return new NDArray[] {m.create(sa, new Shape(shape)), m.create(s1a, new Shape(shape))};
    }

    /** x0 and epsilon predicted from the model output, per prediction_type. */
    protected NDArray[] predictX0AndEpsilon(NDArray modelOutput, NDArray sample, float alphaProdT) {
        float betaProdT = 1f - alphaProdT;
        float sqrtA = (float) Math.sqrt(alphaProdT);
        float sqrtB = (float) Math.sqrt(betaProdT);
        switch (predictionType) {
            case "epsilon":
                return new NDArray[] {sample.sub(modelOutput.mul(sqrtB)).div(sqrtA), modelOutput};
            case "sample":
                return new NDArray[] {modelOutput, sample.sub(modelOutput.mul(sqrtA)).div(sqrtB)};
            default: // v_prediction
                return new NDArray[] {sample.mul(sqrtA).sub(modelOutput.mul(sqrtB)),
                        modelOutput.mul(sqrtA).add(sample.mul(sqrtB))};
        }
    }

    protected NDArray clipIfConfigured(NDArray x0) {
        if (cfg.getBoolean("clip_sample", defaultClipSample())) {
            float range = (float) cfg.getDouble("clip_sample_range", 1.0);
            return x0.clip(-range, range);
        }
        return x0;
    }

    protected boolean defaultClipSample() {
        return true;
    }
}

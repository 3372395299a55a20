package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.UnsupportedConfigException;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers PNDMScheduler in its Stable Diffusion configuration (skip_prk_steps = true): pseudo
 * linear multistep (PLMS) with up to four previous noise predictions. The first step is repeated
 * (timesteps ..., t1, t1, t0) to form a second-order start. Keeps state between steps.
 */
public final class PNDMScheduler extends AbstractScheduler {
    private final float finalAlphaCumprod;
    private final List<NDArray> ets = new ArrayList<>();
    private NDArray curSample;
    private int counter;

    public PNDMScheduler(JsonNode config) {
        super("scheduler (PNDMScheduler)", config, "leading");
        if (!cfg.getBoolean("skip_prk_steps", false)) {
            throw UnsupportedConfigException.option(cfg.component(), "skip_prk_steps", false);
        }
        if (predictionType.equals("sample")) {
            throw UnsupportedConfigException.option(cfg.component(), "prediction_type", predictionType);
        }
        this.finalAlphaCumprod = cfg.getBoolean("set_alpha_to_one", false) ? 1f : schedule.alphaCumprod(0);
    }

    @Override
    public String name() {
        return "pndm";
    }

    @Override
    public void setTimesteps(int n) {
        checkStepCount(n);
        numInferenceSteps = n;
        long[] ascending;
        switch (timestepSpacing) {
            case "linspace": {
                long[] desc = TimestepSpacing.linspaceDescending(numTrainTimesteps - 1, n);
                ascending = reverse(desc);
                break;
            }
            case "leading": {
                ascending = reverse(TimestepSpacing.leadingDescending(numTrainTimesteps / n, n));
                for (int i = 0; i < ascending.length; i++) {
                    ascending[i] += stepsOffset;
                }
                break;
            }
            default: {
                ascending = reverse(TimestepSpacing.trailing(numTrainTimesteps, (double) numTrainTimesteps / n));
                for (int i = 0; i < ascending.length; i++) {
                    ascending[i] -= 1;
                }
                break;
            }
        }
        // concat(ts[:-1], ts[-2:-1], ts[-1:]) reversed: the second-to-last timestep appears twice
        List<Long> plms = new ArrayList<>();
        for (int i = 0; i < ascending.length - 1; i++) {
            plms.add(ascending[i]);
        }
        if (ascending.length >= 2) {
            plms.add(ascending[ascending.length - 2]);
        }
        plms.add(ascending[ascending.length - 1]);
        timesteps = new int[plms.size()];
        for (int i = 0; i < timesteps.length; i++) {
            timesteps[i] = (int) (long) plms.get(plms.size() - 1 - i);
        }
        reset();
    }

    private static long[] reverse(long[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[a.length - 1 - i];
        }
        return out;
    }

    private void reset() {
        ets.forEach(NDArray::close);
        ets.clear();
        if (curSample != null) {
            curSample.close();
        }
        curSample = null;
        counter = 0;
    }

    @Override
    public boolean needsVarianceNoise(int timestep) {
        return false;
    }

    private static NDArray keep(NDArray a) {
        NDArray copy = a.duplicate();
        copy.detach();
        return copy;
    }

    @Override
    public SchedulerStep step(NDArray modelOutput, int t, NDArray sample, NDArray varianceNoise) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException("call setTimesteps before step");
        }
        checkTimestep(t);
        int stride = numTrainTimesteps / numInferenceSteps;
        int timestep = t;
        int prevTimestep = t - stride;
        if (counter != 1) {
            while (ets.size() > 3) {
                ets.remove(0).close();
            }
            ets.add(keep(modelOutput));
        } else {
            prevTimestep = t;
            timestep = t + stride;
        }
        NDArray eps;
        NDArray base = sample;
        if (ets.size() == 1 && counter == 0) {
            eps = modelOutput;
            curSample = keep(sample);
        } else if (ets.size() == 1 && counter == 1) {
            eps = modelOutput.add(ets.get(0)).div(2f);
            base = curSample.duplicate();
            base.attach(sample.getManager());
            curSample.close();
            curSample = null;
        } else {
            int k = ets.size();
            NDArray e1 = ets.get(k - 1);
            NDArray e2 = ets.get(k - 2);
            if (k == 2) {
                eps = scaled(e1, 3f, sample).sub(e2).div(2f);
            } else if (k == 3) {
                eps = scaled(e1, 23f, sample).sub(scaled(e2, 16f, sample)).add(scaled(ets.get(0), 5f, sample))
                        .div(12f);
            } else {
                eps = scaled(e1, 55f, sample).sub(scaled(e2, 59f, sample)).add(scaled(ets.get(k - 3), 37f, sample))
                        .sub(scaled(ets.get(k - 4), 9f, sample)).mul(1f / 24f);
            }
        }
        NDArray[] result = previousSample(base, timestep, prevTimestep, eps);
        counter++;
        return new SchedulerStep(result[0], result[1]);
    }

    /**
     * kept * factor moved into the sample's manager: kept arrays are detached, and results of ops
     * they receive would otherwise belong to no closing manager.
     */
    private static NDArray scaled(NDArray kept, float factor, NDArray sample) {
        NDArray out = kept.mul(factor);
        out.attach(sample.getManager());
        return out;
    }

    private NDArray[] previousSample(NDArray sample, int t, int prevT, NDArray modelOutput) {
        float at = schedule.alphaCumprod(t);
        float aPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;
        float betaT = 1f - at;
        float betaPrev = 1f - aPrev;
        NDArray eps = modelOutput;
        if (predictionType.equals("v_prediction")) {
            eps = modelOutput.mul((float) Math.sqrt(at)).add(sample.mul((float) Math.sqrt(betaT)));
        }
        float sampleCoeff = (float) Math.sqrt(aPrev / at);
        float denom = at * (float) Math.sqrt(betaPrev) + (float) Math.sqrt(at * betaT * aPrev);
        NDArray prev = sample.mul(sampleCoeff).sub(eps.mul(aPrev - at).div(denom));
        NDArray x0 = sample.sub(eps.mul((float) Math.sqrt(betaT))).div((float) Math.sqrt(at));
        return new NDArray[] {prev, x0};
    }
}

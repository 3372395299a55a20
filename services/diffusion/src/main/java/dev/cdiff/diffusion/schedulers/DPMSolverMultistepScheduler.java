package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.UnsupportedConfigException;

/**
 * diffusers DPMSolverMultistepScheduler for algorithm_type dpmsolver++ with solver_order 1 or 2
 * (DPM-Solver++(2M)), midpoint or heun second-order update, final sigma zero or sigma_min.
 * Keeps the previous data prediction between steps.
 */
public final class DPMSolverMultistepScheduler extends AbstractScheduler {
    private final int solverOrder;
    private final String solverType;
    private final boolean lowerOrderFinal;
    private final boolean eulerAtFinal;
    private final String finalSigmasType;
    private final double lambdaMinClipped;
    /** sigma_i = sqrt((1 - acp) / acp) at each scheduled timestep, plus the final sigma. */
    private float[] sigmas = new float[0];
    private NDArray previousX0;
    private int stepIndex;
    private int lowerOrderCount;

    public DPMSolverMultistepScheduler(JsonNode config) {
        super("scheduler (DPMSolverMultistepScheduler)", config, "linspace");
        this.solverOrder = cfg.getInt("solver_order", 2);
        if (solverOrder < 1 || solverOrder > 2) {
            throw UnsupportedConfigException.option(cfg.component(), "solver_order", solverOrder);
        }
        cfg.getChoice("algorithm_type", "dpmsolver++", "dpmsolver++");
        this.solverType = cfg.getChoice("solver_type", "midpoint", "midpoint", "heun");
        this.lowerOrderFinal = cfg.getBoolean("lower_order_final", true);
        this.eulerAtFinal = cfg.getBoolean("euler_at_final", false);
        this.finalSigmasType = cfg.getChoice("final_sigmas_type", "zero", "zero", "sigma_min");
        for (String flag : new String[] {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas",
                "use_lu_lambdas", "use_flow_sigmas", "use_dynamic_shifting"}) {
            cfg.rejectTrue(flag);
        }
        String vt = cfg.getString("variance_type", null);
        if ("learned".equals(vt) || "learned_range".equals(vt)) {
            throw UnsupportedConfigException.option(cfg.component(), "variance_type", vt);
        }
        this.lambdaMinClipped = cfg.getDouble("lambda_min_clipped", Double.NEGATIVE_INFINITY);
    }

    @Override
    public String name() {
        return "dpm";
    }

    @Override
    public float[] alphasCumprod() {
        float[] acp = schedule.alphasCumprod();
        if (cfg.getBoolean("rescale_betas_zero_snr", false)) {
            acp[acp.length - 1] = 0x1p-24f;
        }
        return acp;
    }

    @Override
    public void setTimesteps(int n) {
        checkStepCount(n);
        float[] acp = alphasCumprod();
        int lastTimestep = numTrainTimesteps - clippedIndex(acp);
        long[] ts;
        switch (timestepSpacing) {
            case "linspace": {
                long[] all = TimestepSpacing.linspaceDescending(lastTimestep - 1, n + 1);
                ts = java.util.Arrays.copyOf(all, n);
                break;
            }
            case "leading": {
                long[] all = TimestepSpacing.leadingDescending(lastTimestep / (n + 1), n + 1);
                ts = java.util.Arrays.copyOf(all, n);
                for (int i = 0; i < ts.length; i++) {
                    ts[i] += stepsOffset;
                }
                break;
            }
            default:
                ts = TimestepSpacing.trailing(lastTimestep, (double) numTrainTimesteps / n);
                for (int i = 0; i < ts.length; i++) {
                    ts[i] -= 1;
                }
                break;
        }
        timesteps = toInts(ts);
        numInferenceSteps = timesteps.length;
        sigmas = new float[timesteps.length + 1];
        for (int i = 0; i < timesteps.length; i++) {
            checkTimestep(timesteps[i]);
            sigmas[i] = sigmaOf(acp[timesteps[i]]);
        }
        sigmas[timesteps.length] = finalSigmasType.equals("zero") ? 0f : sigmaOf(acp[0]);
        reset();
    }

    private static float sigmaOf(float acp) {
        return (float) Math.sqrt((1f - acp) / acp);
    }

    /** Number of timesteps whose log-SNR is below lambda_min_clipped (they are skipped). */
    private int clippedIndex(float[] acp) {
        if (lambdaMinClipped == Double.NEGATIVE_INFINITY) {
            return 0;
        }
        int count = 0;
        for (float a : acp) {
            float lambda = (float) Math.log((float) Math.sqrt(a)) - (float) Math.log((float) Math.sqrt(1f - a));
            if (lambda < lambdaMinClipped) {
                count++;
            }
        }
        return count;
    }

    private void reset() {
        if (previousX0 != null) {
            previousX0.close();
        }
        previousX0 = null;
        stepIndex = -1;
        lowerOrderCount = 0;
    }

    @Override
    public boolean needsVarianceNoise(int timestep) {
        return false;
    }

    private record AlphaSigma(float alpha, float sigma, float lambda) {
        static AlphaSigma of(float s) {
            float alpha = 1f / (float) Math.sqrt(s * s + 1f);
            float sigma = s * alpha;
            return new AlphaSigma(alpha, sigma, (float) Math.log(alpha) - (float) Math.log(sigma));
        }
    }

    @Override
    public SchedulerStep step(NDArray modelOutput, int t, NDArray sample, NDArray varianceNoise) {
        if (sigmas.length == 0) {
            throw new IllegalStateException("call setTimesteps before step");
        }
        if (stepIndex < 0) {
            stepIndex = indexOf(t);
        } else if (stepIndex >= timesteps.length || timesteps[stepIndex] != t) {
            throw new IllegalArgumentException("DPM-Solver steps must follow the schedule: expected timestep "
                    + (stepIndex < timesteps.length ? timesteps[stepIndex] : "none") + ", got " + t);
        }
        int last = timesteps.length - 1;
        boolean lowerFinal = stepIndex == last
                && (eulerAtFinal || (lowerOrderFinal && timesteps.length < 15) || finalSigmasType.equals("zero"));
        AlphaSigma s0 = AlphaSigma.of(sigmas[stepIndex]);
        AlphaSigma target = AlphaSigma.of(sigmas[stepIndex + 1]);
        NDArray x0 = dataPrediction(modelOutput, sample, s0);

        float h = target.lambda() - s0.lambda();
        float expm = (float) Math.exp(-h) - 1f;
        NDArray prev;
        if (solverOrder == 1 || lowerOrderCount < 1 || lowerFinal) {
            prev = sample.mul(target.sigma() / s0.sigma()).sub(x0.mul(target.alpha() * expm));
        } else {
            AlphaSigma s1 = AlphaSigma.of(sigmas[stepIndex - 1]);
            float h0 = s0.lambda() - s1.lambda();
            float r0 = h0 / h;
            NDArray d1 = x0.sub(previousX0).mul(1f / r0);
            prev = sample.mul(target.sigma() / s0.sigma()).sub(x0.mul(target.alpha() * expm));
            if (solverType.equals("midpoint")) {
                prev = prev.sub(d1.mul(0.5f * (target.alpha() * expm)));
            } else {
                prev = prev.add(d1.mul(target.alpha() * (expm / h + 1f)));
            }
        }
        if (lowerOrderCount < solverOrder) {
            lowerOrderCount++;
        }
        if (previousX0 != null) {
            previousX0.close();
        }
        stepIndex++;
        if (stepIndex < timesteps.length) {
            // kept across steps, so it must outlive the caller's per-step manager
            previousX0 = x0.duplicate();
            previousX0.detach();
        } else {
            previousX0 = null;
        }
        return new SchedulerStep(prev, x0);
    }

    private NDArray dataPrediction(NDArray modelOutput, NDArray sample, AlphaSigma s) {
        switch (predictionType) {
            case "epsilon":
                return sample.sub(modelOutput.mul(s.sigma())).div(s.alpha());
            case "sample":
                return modelOutput;
            default:
                return sample.mul(s.alpha()).sub(modelOutput.mul(s.sigma()));
        }
    }

    private int indexOf(int t) {
        int first = -1;
        int count = 0;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                if (first < 0) {
                    first = i;
                }
                count++;
                if (count == 2) {
                    // diffusers starts at the second occurrence of a repeated timestep
                    return i;
                }
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException("timestep " + t + " is not in the current schedule");
        }
        return first;
    }
}

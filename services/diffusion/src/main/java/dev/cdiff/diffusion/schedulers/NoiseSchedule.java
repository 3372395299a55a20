package dev.cdiff.diffusion.schedulers;

import dev.cdiff.diffusion.io.ConfigReader;
import dev.cdiff.diffusion.io.UnsupportedConfigException;

/**
 * Betas and cumulative alphas exactly as diffusers computes them in float32 (torch.linspace's
 * two-ended evaluation, sequential cumprod), so timesteps index identical coefficients.
 */
public final class NoiseSchedule {
    private final float[] betas;
    private final float[] alphas;
    private final float[] alphasCumprod;

    private NoiseSchedule(float[] betas) {
        this.betas = betas;
        this.alphas = new float[betas.length];
        this.alphasCumprod = new float[betas.length];
        // torch.cumprod on CPU accumulates float32 in double
        double acc = 1.0;
        for (int i = 0; i < betas.length; i++) {
            alphas[i] = 1f - betas[i];
            acc *= alphas[i];
            alphasCumprod[i] = (float) acc;
        }
    }

    public static NoiseSchedule fromConfig(ConfigReader c, int numTrainTimesteps, double defaultBetaStart,
                                           double defaultBetaEnd, String defaultSchedule) {
        float[] betas;
        if (c.has("trained_betas")) {
            var node = c.get("trained_betas");
            if (!node.isArray() || node.size() != numTrainTimesteps) {
                throw new UnsupportedConfigException(c.component() + " config option trained_betas must be a list of "
                        + numTrainTimesteps + " numbers");
            }
            betas = new float[node.size()];
            for (int i = 0; i < betas.length; i++) {
                betas[i] = (float) node.get(i).asDouble();
            }
        } else {
            double start = c.getDouble("beta_start", defaultBetaStart);
            double end = c.getDouble("beta_end", defaultBetaEnd);
            String schedule = c.getChoice("beta_schedule", defaultSchedule, "linear", "scaled_linear", "squaredcos_cap_v2");
            switch (schedule) {
                case "linear":
                    betas = torchLinspace((float) start, (float) end, numTrainTimesteps);
                    break;
                case "scaled_linear": {
                    float[] roots = torchLinspace((float) Math.sqrt(start), (float) Math.sqrt(end), numTrainTimesteps);
                    betas = new float[numTrainTimesteps];
                    for (int i = 0; i < betas.length; i++) {
                        betas[i] = roots[i] * roots[i];
                    }
                    break;
                }
                default:
                    betas = cosineBetas(numTrainTimesteps);
                    break;
            }
        }
        if (c.getBoolean("rescale_betas_zero_snr", false)) {
            betas = rescaleZeroTerminalSnr(betas);
        }
        return new NoiseSchedule(betas);
    }

    /**
     * torch.linspace for float32: first half counted up from start, second half down from end, each
     * value a fused multiply-add (single rounding) as the compiled kernel does; verified bit-exact
     * against the reference alphas_cumprod.
     */
    static float[] torchLinspace(float start, float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - i - 1), end);
        }
        return out;
    }

    /** Glide cosine schedule, computed in double and stored as float32 like diffusers. */
    static float[] cosineBetas(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            out[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
        }
        return out;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** Rescales betas so the final timestep has zero SNR (Lin et al. 2023), in float32. */
    static float[] rescaleZeroTerminalSnr(float[] betas) {
        int n = betas.length;
        float[] sqrtAcp = new float[n];
        double acc = 1.0;
        for (int i = 0; i < n; i++) {
            acc *= 1f - betas[i];
            sqrtAcp[i] = (float) Math.sqrt((float) acc);
        }
        float first = sqrtAcp[0];
        float last = sqrtAcp[n - 1];
        float scale = first / (first - last);
        float[] acp = new float[n];
        for (int i = 0; i < n; i++) {
            float shifted = (sqrtAcp[i] - last) * scale;
            acp[i] = shifted * shifted;
        }
        float[] out = new float[n];
        out[0] = 1f - acp[0];
        for (int i = 1; i < n; i++) {
            out[i] = 1f - acp[i] / acp[i - 1];
        }
        return out;
    }

    public float[] betas() {
        return betas.clone();
    }

    public float beta(int t) {
        return betas[t];
    }

    public float alpha(int t) {
        return alphas[t];
    }

    public float alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    public int size() {
        return betas.length;
    }
}

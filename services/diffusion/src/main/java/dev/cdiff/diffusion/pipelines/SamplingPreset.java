package dev.cdiff.diffusion.pipelines;

import java.util.Arrays;
import java.util.Locale;

/**
 * Named sampler settings. {@link #PAPER} is what the paper's figures and the reference's sampling script use
 * (200 steps, guidance 6, eta 1). Eta 1 is the DDPM posterior variance: a DDIM step at eta 1 adds exactly the
 * fixed_small noise of a strided DDPM step, so the preset names the DDPM scheduler and passes no eta (our DDPM
 * scheduler takes none). {@link #FAST} is the deterministic DDIM setting the product used before, four times fewer
 * steps for previews, demos and tests.
 */
public enum SamplingPreset {
    PAPER("paper", "ddpm", 200, 6.0, 0f),
    FAST("fast", "ddim", 50, 6.0, 0f);

    private final String id;
    private final String scheduler;
    private final int steps;
    private final double guidance;
    private final float eta;

    SamplingPreset(String id, String scheduler, int steps, double guidance, float eta) {
        this.id = id;
        this.scheduler = scheduler;
        this.steps = steps;
        this.guidance = guidance;
        this.eta = eta;
    }

    public String id() {
        return id;
    }

    public String scheduler() {
        return scheduler;
    }

    public int steps() {
        return steps;
    }

    public double guidance() {
        return guidance;
    }

    /** The DDIM eta to pass; 0 for the DDPM scheduler, whose noise already is eta 1's. */
    public float eta() {
        return eta;
    }

    public static SamplingPreset parse(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.id.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown sampling preset '" + id + "'; use "
                        + String.join(" or ", Arrays.stream(values()).map(SamplingPreset::id).toList())));
    }

    /** The request with this preset's sampler, steps, guidance and eta, each replaced by an override when given. */
    public SampleRequest applyTo(SampleRequest request, String schedulerOverride, Integer stepsOverride,
                                 Float guidanceOverride, Float etaOverride) {
        return request.scheduler(schedulerOverride != null ? schedulerOverride : scheduler)
                .steps(stepsOverride != null ? stepsOverride : steps)
                .guidance(guidanceOverride != null ? guidanceOverride : (float) guidance)
                .eta(etaOverride != null ? etaOverride : eta);
    }
}

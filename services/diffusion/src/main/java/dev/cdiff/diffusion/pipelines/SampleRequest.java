package dev.cdiff.diffusion.pipelines;

import java.util.List;
import java.util.Objects;

/**
 * Settings of one text-to-image run. Defaults follow diffusers' StableDiffusionPipeline
 * (50 steps, guidance 7.5, empty negative prompt, eta 0, the model's own scheduler).
 */
public final class SampleRequest {
    private final List<String> prompts;
    private String negativePrompt = "";
    private int steps = 50;
    private float guidance = 7.5f;
    private long seed;
    private float[] initialLatents;
    private String scheduler;
    private float eta;
    private int imagesPerPrompt = 1;
    private Integer height;
    private Integer width;
    private SamplingListener listener = SamplingListener.NONE;
    private int clipSkip;
    private float guidanceRescale;
    private SamplingPrecision precision = SamplingPrecision.FP32;

    public SampleRequest(List<String> prompts) {
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt is required");
        }
        this.prompts = List.copyOf(prompts);
    }

    public static SampleRequest of(String... prompts) {
        return new SampleRequest(List.of(prompts));
    }

    public SampleRequest negativePrompt(String v) {
        this.negativePrompt = Objects.requireNonNull(v);
        return this;
    }

    public SampleRequest steps(int v) {
        if (v < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + v);
        }
        this.steps = v;
        return this;
    }

    public SampleRequest guidance(float v) {
        this.guidance = v;
        return this;
    }

    public SampleRequest seed(long v) {
        this.seed = v;
        return this;
    }

    /** Starting latents [B * imagesPerPrompt, C, h, w] flattened; drawn from the seed when absent. */
    public SampleRequest initialLatents(float[] v) {
        this.initialLatents = v == null ? null : v.clone();
        return this;
    }

    /** ddpm, ddim, dpm, pndm, or null for the scheduler in the model folder. */
    public SampleRequest scheduler(String v) {
        this.scheduler = v;
        return this;
    }

    public SampleRequest eta(float v) {
        this.eta = v;
        return this;
    }

    public SampleRequest imagesPerPrompt(int v) {
        if (v < 1) {
            throw new IllegalArgumentException("imagesPerPrompt must be >= 1, got " + v);
        }
        this.imagesPerPrompt = v;
        return this;
    }

    public SampleRequest size(int heightPx, int widthPx) {
        this.height = heightPx;
        this.width = widthPx;
        return this;
    }

    /** Use the text encoder layer this many before the last (diffusers' clip_skip; 0 = last). */
    public SampleRequest clipSkip(int v) {
        if (v < 0) {
            throw new IllegalArgumentException("clipSkip must be >= 0, got " + v);
        }
        this.clipSkip = v;
        return this;
    }

    /** diffusers' guidance_rescale (Lin et al. 2023, section 3.4); 0 disables it. */
    public SampleRequest guidanceRescale(float v) {
        if (v < 0f || v > 1f) {
            throw new IllegalArgumentException("guidanceRescale must be in [0, 1], got " + v);
        }
        this.guidanceRescale = v;
        return this;
    }

    /** The UNet's type during denoising; fp32 unless asked (see {@link SamplingPrecision}). */
    public SampleRequest precision(SamplingPrecision v) {
        this.precision = Objects.requireNonNull(v);
        return this;
    }

    public SamplingPrecision precision() {
        return precision;
    }

    public int clipSkip() {
        return clipSkip;
    }

    public float guidanceRescale() {
        return guidanceRescale;
    }

    public SampleRequest listener(SamplingListener v) {
        this.listener = v == null ? SamplingListener.NONE : v;
        return this;
    }

    public List<String> prompts() {
        return prompts;
    }

    public String negativePrompt() {
        return negativePrompt;
    }

    public int steps() {
        return steps;
    }

    public float guidance() {
        return guidance;
    }

    public long seed() {
        return seed;
    }

    public float[] initialLatents() {
        return initialLatents;
    }

    public String scheduler() {
        return scheduler;
    }

    public float eta() {
        return eta;
    }

    public int imagesPerPrompt() {
        return imagesPerPrompt;
    }

    public Integer height() {
        return height;
    }

    public Integer width() {
        return width;
    }

    public SamplingListener listener() {
        return listener;
    }
}

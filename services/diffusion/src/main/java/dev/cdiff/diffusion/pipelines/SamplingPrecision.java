package dev.cdiff.diffusion.pipelines;

import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/**
 * The floating-point type of the UNet's weights and activations during denoising (the per-step cost). The text
 * encoder runs once per request and the VAE decoder once per image, so they stay float32, as does the scheduler's
 * update of the latents between steps (its small differences of large numbers are where half precision loses most).
 */
public enum SamplingPrecision {
    FP32(DataType.FLOAT32),
    FP16(DataType.FLOAT16);

    private final DataType type;

    SamplingPrecision(DataType type) {
        this.type = type;
    }

    public DataType dataType() {
        return type;
    }

    /**
     * fp32 or fp16 (case-insensitive). bf16 is refused with the reason: DJL 0.33 aborts the whole JVM ("terminate
     * called without an active exception") as soon as a BFLOAT16 array is created (docs/djl-notes.md, item 6).
     */
    public static SamplingPrecision parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "fp32", "float32" -> FP32;
            case "fp16", "float16", "half" -> FP16;
            case "bf16", "bfloat16" -> throw new IllegalArgumentException("sampling precision bf16 is not available: "
                    + "DJL 0.33 aborts the JVM when it creates a BFLOAT16 array (docs/djl-notes.md); use fp16 or fp32");
            default -> throw new IllegalArgumentException("unknown sampling precision '" + name
                    + "' (fp32 or fp16)");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}

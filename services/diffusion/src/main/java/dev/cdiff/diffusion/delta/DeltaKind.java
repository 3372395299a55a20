package dev.cdiff.diffusion.delta;

import java.util.Locale;

/** How a delta file stores its K/V weights. */
public enum DeltaKind {
    /** full fine-tuned weights, float32 */
    FULL,
    /** full fine-tuned weights, float16 (half the size; rounding only) */
    FP16,
    /** truncated SVD factors of W - W0 (needs the base weights to apply) */
    LOWRANK;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeltaKind parse(String id) {
        for (DeltaKind k : values()) {
            if (k.id().equalsIgnoreCase(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown delta kind '" + id + "' (expected full, fp16 or lowrank)");
    }
}

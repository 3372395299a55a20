package dev.cdiff.diffusion.training;

/** What a training run updates (the new token rows train in every mode). */
public enum TrainingMode {
    /** Custom Diffusion: every cross-attention to_k / to_v weight + new token rows */
    CUSTOM_DIFFUSION,
    /** textual inversion: only the new token rows */
    TEXTUAL_INVERSION,
    /** every UNet parameter + new token rows (DreamBooth-like baseline) */
    FULL_UNET
}

package dev.cdiff.diffusion.schedulers;

import ai.djl.ndarray.NDArray;

/** Result of one denoising step; arrays live in the sample's manager. */
public record SchedulerStep(NDArray prevSample, NDArray predOriginalSample) {
}

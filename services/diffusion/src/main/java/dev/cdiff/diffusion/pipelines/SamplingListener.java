package dev.cdiff.diffusion.pipelines;

/** Progress of a sampling run; {@code step} counts from 1 to {@code total}. */
@FunctionalInterface
public interface SamplingListener {
    void onStep(int step, int total);

    SamplingListener NONE = (step, total) -> { };
}

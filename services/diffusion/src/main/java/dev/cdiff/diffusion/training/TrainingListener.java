package dev.cdiff.diffusion.training;

/** Progress callback of a training run; {@code step} counts from 1, {@code elapsedMillis} since the run started. */
@FunctionalInterface
public interface TrainingListener {
    void onStep(int step, float loss, long elapsedMillis);

    TrainingListener NONE = (step, loss, elapsed) -> { };
}

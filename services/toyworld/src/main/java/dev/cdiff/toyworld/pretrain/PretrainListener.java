package dev.cdiff.toyworld.pretrain;

/** Progress callback of a pretraining stage. */
@FunctionalInterface
public interface PretrainListener {
    void onStep(int step, int totalSteps, double loss, long elapsedMillis);

    PretrainListener NONE = (step, total, loss, elapsed) -> {};
}

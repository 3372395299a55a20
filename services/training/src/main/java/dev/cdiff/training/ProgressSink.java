package dev.cdiff.training;

import dev.cdiff.platform.store.StoredArtifact;

/** Receives progress of a run (published as TrainingProgress). */
interface ProgressSink {
    /** @param checkpoint the checkpoint stored at this step, or null */
    void progress(int step, int totalSteps, double loss, long elapsedMillis, StoredArtifact checkpoint);
}

package dev.cdiff.orchestrator;

/**
 * Where a job is. DONE and FAILED are final: nothing moves a job out of them. QUEUED: ready to train, waiting for
 * a training slot and its tenant's turn.
 */
public enum JobStage {
    INGESTING, REGULARIZING, QUEUED, TRAINING, SAMPLING, MERGING, DONE, FAILED;

    public boolean isFinal() {
        return this == DONE || this == FAILED;
    }
}

package dev.cdiff.orchestrator;

/** Where a job is. DONE and FAILED are final: nothing moves a job out of them. */
public enum JobStage {
    INGESTING, REGULARIZING, TRAINING, SAMPLING, MERGING, DONE, FAILED;

    public boolean isFinal() {
        return this == DONE || this == FAILED;
    }
}

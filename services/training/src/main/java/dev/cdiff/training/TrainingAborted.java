package dev.cdiff.training;

/** The worker is shutting down mid-run; the job resumes from its last checkpoint on redelivery. */
public class TrainingAborted extends RuntimeException {
    public TrainingAborted(String message) {
        super(message);
    }
}

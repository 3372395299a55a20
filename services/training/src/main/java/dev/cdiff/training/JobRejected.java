package dev.cdiff.training;

/** The request itself cannot be trained (wrong base model, bad options, missing images): answer TrainingFailed. */
public class JobRejected extends RuntimeException {
    private final String code;

    public JobRejected(String code, String message) {
        super(message);
        this.code = code;
    }

    public JobRejected(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

package dev.cdiff.merging;

/** The merge cannot be done as asked (foreign delta, another base model, bad delta): answered with JobFailed. */
public class MergeRejected extends RuntimeException {
    private final String code;

    public MergeRejected(String code, String message) {
        super(message);
        this.code = code;
    }

    public MergeRejected(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

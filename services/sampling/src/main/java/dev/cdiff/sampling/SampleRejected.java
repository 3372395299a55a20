package dev.cdiff.sampling;

/** The request cannot be served as asked (bad options, foreign or mismatched delta): answered with JobFailed. */
public class SampleRejected extends RuntimeException {
    private final String code;

    public SampleRejected(String code, String message) {
        super(message);
        this.code = code;
    }

    public SampleRejected(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

package dev.cdiff.platform.store;

/**
 * A tenant's request names an artifact that cannot be used, for a reason a person can act on. {@link #code()} is
 * the machine-readable reason (the errorClass of the JobFailed a service answers with). An
 * {@link IllegalArgumentException}, so an unhandled one dead-letters the event rather than retrying it.
 */
public final class ArtifactRefused extends IllegalArgumentException {
    public static final String FOREIGN_ARTIFACT = "FOREIGN_ARTIFACT";
    public static final String ARTIFACT_NOT_FOUND = "ARTIFACT_NOT_FOUND";
    public static final String ARTIFACT_CORRUPT = "ARTIFACT_CORRUPT";
    public static final String INVALID_ARTIFACT = "INVALID_ARTIFACT";
    public static final String BASE_MODEL_MISMATCH = "BASE_MODEL_MISMATCH";
    public static final String BASE_MODEL_UNRECORDED = "BASE_MODEL_UNRECORDED";

    private final String code;

    public ArtifactRefused(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

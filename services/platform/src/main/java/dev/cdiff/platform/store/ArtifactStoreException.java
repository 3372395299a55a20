package dev.cdiff.platform.store;

/** The artifact store refused or failed an operation; the message names the bucket, key and S3 error. */
public class ArtifactStoreException extends RuntimeException {
    private final String s3ErrorCode;

    public ArtifactStoreException(String message, String s3ErrorCode, Throwable cause) {
        super(message, cause);
        this.s3ErrorCode = s3ErrorCode;
    }

    /** S3 error code such as {@code AccessDenied}, or null when the request never got an S3 answer. */
    public String s3ErrorCode() {
        return s3ErrorCode;
    }
}

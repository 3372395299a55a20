package dev.cdiff.platform.store;

/** The object (or its bucket) does not exist. */
public final class ArtifactNotFoundException extends ArtifactStoreException {
    public ArtifactNotFoundException(String message, String s3ErrorCode, Throwable cause) {
        super(message, s3ErrorCode, cause);
    }
}

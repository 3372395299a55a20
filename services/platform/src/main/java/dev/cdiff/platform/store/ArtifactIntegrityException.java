package dev.cdiff.platform.store;

/** An object's bytes do not hash to the digest its key or reference promises. */
public final class ArtifactIntegrityException extends ArtifactStoreException {
    public ArtifactIntegrityException(String message) {
        super(message, null, null);
    }
}

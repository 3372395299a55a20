package dev.cdiff.platform.store;

/**
 * An event names an object the tenant does not own: another bucket, or a key outside the tenant's prefix. An
 * {@link IllegalArgumentException}, so if a handler does not answer it with its own rejection the event loop still
 * dead-letters the event instead of retrying it.
 */
public final class ForeignArtifactException extends IllegalArgumentException {
    public ForeignArtifactException(String message) {
        super(message);
    }
}

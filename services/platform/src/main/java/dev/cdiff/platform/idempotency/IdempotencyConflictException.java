package dev.cdiff.platform.idempotency;

/**
 * An event id the tenant already used was sent again with a different payload. Neither skipping it (its content
 * would be lost silently) nor handling it (the id would stand for two things) is right, so it is a poison record:
 * an {@link IllegalArgumentException}, dead-lettered at once with this message.
 */
public final class IdempotencyConflictException extends IllegalArgumentException {
    public IdempotencyConflictException(String message) {
        super(message);
    }
}

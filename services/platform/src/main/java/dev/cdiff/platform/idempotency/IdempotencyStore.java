package dev.cdiff.platform.idempotency;

/**
 * Remembers which events a service has fully handled, so a redelivered event (same event id) changes
 * nothing twice. Checked before handling; marked after the handler's outputs are produced.
 */
public interface IdempotencyStore {

    boolean isProcessed(String service, String eventId);

    /** Records the event as handled; {@code note} is kept for people inspecting the marker (may be empty). */
    void markProcessed(String service, String eventId, String note);
}

package dev.cdiff.platform.idempotency;

/**
 * Remembers which events a service has fully handled, so a redelivered event changes nothing twice. Checked before
 * handling; marked after the handler's outputs are produced.
 *
 * <p>An event is known by its tenant and its event id together, and the marker keeps the digest of the payload it
 * was handled with. So another tenant reusing (or predicting) an event id is not taken for a duplicate, and the
 * same tenant sending other content under a handled id is refused as a conflict instead of being silently skipped.
 */
public interface IdempotencyStore {

    /**
     * @return true when this event (same tenant, event id and payload digest) was already handled
     * @throws IdempotencyConflictException when the tenant's event id was handled with a different payload
     */
    boolean isProcessed(String service, HandledEvent event);

    /** Records the event as handled; {@code note} is kept for people inspecting the marker (may be empty). */
    void markProcessed(String service, HandledEvent event, String note);
}

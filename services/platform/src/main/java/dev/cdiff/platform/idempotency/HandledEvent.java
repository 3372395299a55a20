package dev.cdiff.platform.idempotency;

/**
 * What identifies an event for deduplication.
 *
 * @param payloadSha256 hex SHA-256 of the event's content (see {@link EventPayloads#sha256})
 */
public record HandledEvent(String tenantId, String eventId, String payloadSha256) {
}

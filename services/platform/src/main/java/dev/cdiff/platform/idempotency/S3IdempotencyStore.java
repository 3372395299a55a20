package dev.cdiff.platform.idempotency;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.store.ArtifactNotFoundException;
import dev.cdiff.platform.store.ArtifactStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One small JSON marker per (service, tenant, event id) at {@code idempotency/<service>/<tenant>/<event id>} in the
 * artifact bucket, holding the payload digest the event was handled with. Survives restarts and is shared by every
 * replica of a service. Tenant and event id are checked by the platform's id grammar before they become a key.
 */
public final class S3IdempotencyStore implements IdempotencyStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ArtifactStore store;

    public S3IdempotencyStore(ArtifactStore store) {
        this.store = store;
    }

    public static String markerKey(String service, String tenantId, String eventId) {
        return "idempotency/" + Ids.keySegment("service", service) + "/" + Ids.tenantId("tenantId", tenantId) + "/"
                + Ids.eventId("eventId", eventId);
    }

    @Override
    public boolean isProcessed(String service, HandledEvent event) {
        String key = markerKey(service, event.tenantId(), event.eventId());
        byte[] marker;
        try {
            marker = store.getBytes(key);
        } catch (ArtifactNotFoundException e) {
            return false;
        }
        String handledWith;
        try {
            JsonNode node = JSON.readTree(marker);
            handledWith = node.path("payloadSha256").asText("");
        } catch (IOException e) {
            throw new UncheckedIOException("idempotency marker " + key + " is not valid JSON", e);
        }
        if (!handledWith.equals(event.payloadSha256())) {
            throw new IdempotencyConflictException("event " + event.eventId() + " of tenant " + event.tenantId()
                    + " was already handled by " + service + " with another payload (sha256 " + handledWith
                    + ", this one " + event.payloadSha256() + "); an event id may not be reused for other content");
        }
        return true;
    }

    @Override
    public void markProcessed(String service, HandledEvent event, String note) {
        Map<String, String> marker = new LinkedHashMap<>();
        marker.put("service", service);
        marker.put("tenantId", event.tenantId());
        marker.put("eventId", event.eventId());
        marker.put("payloadSha256", event.payloadSha256());
        marker.put("processedAt", Instant.now().toString());
        marker.put("note", note == null ? "" : note);
        try {
            store.putAt(markerKey(service, event.tenantId(), event.eventId()), JSON.writeValueAsBytes(marker),
                    "application/json");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode idempotency marker", e);
        }
    }
}

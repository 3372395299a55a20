package dev.cdiff.platform.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.store.ArtifactKeys;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.Sha256;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One small marker object per (service, event id) at {@code idempotency/<service>/<event id>} in the artifact
 * bucket. Survives restarts and is shared by every replica of a service. Event ids that are not plain
 * identifiers are hashed to keep keys safe.
 */
public final class S3IdempotencyStore implements IdempotencyStore {

    private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ArtifactStore store;

    public S3IdempotencyStore(ArtifactStore store) {
        this.store = store;
    }

    public static String markerKey(String service, String eventId) {
        if (eventId == null || eventId.isEmpty()) {
            throw new IllegalArgumentException("event id must not be empty");
        }
        String name = PLAIN_ID.matcher(eventId).matches() ? eventId
                : "sha256-" + Sha256.hex(eventId.getBytes(StandardCharsets.UTF_8));
        return "idempotency/" + ArtifactKeys.segment("service", service) + "/" + name;
    }

    @Override
    public boolean isProcessed(String service, String eventId) {
        return store.exists(markerKey(service, eventId));
    }

    @Override
    public void markProcessed(String service, String eventId, String note) {
        Map<String, String> marker = new LinkedHashMap<>();
        marker.put("service", service);
        marker.put("eventId", eventId);
        marker.put("processedAt", Instant.now().toString());
        marker.put("note", note == null ? "" : note);
        try {
            store.putAt(markerKey(service, eventId), JSON.writeValueAsBytes(marker), "application/json");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode idempotency marker", e);
        }
    }
}

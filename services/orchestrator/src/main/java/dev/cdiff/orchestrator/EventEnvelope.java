package dev.cdiff.orchestrator;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

import java.time.Instant;

/**
 * The header every event schema shares (eventId, tenantId, jobId, occurredAt, causationId). The generated classes
 * have no common interface, so the fields are read by name through the record's schema.
 */
public record EventEnvelope(String type, String eventId, String tenantId, String jobId, Instant occurredAt,
                            String causationId) {

    public static EventEnvelope of(SpecificRecord event) {
        Schema schema = event.getSchema();
        Object occurred = field(event, "occurredAt", true);
        Instant occurredAt = occurred instanceof Instant instant ? instant
                : occurred instanceof Long millis ? Instant.ofEpochMilli(millis) : null;
        return new EventEnvelope(schema.getName(),
                text(field(event, "eventId", true)),
                text(field(event, "tenantId", true)),
                text(field(event, "jobId", true)),
                occurredAt,
                text(field(event, "causationId", false)));
    }

    private static Object field(SpecificRecord event, String name, boolean required) {
        Schema.Field field = event.getSchema().getField(name);
        if (field == null) {
            if (required) {
                throw new IllegalArgumentException("event type " + event.getSchema().getFullName()
                        + " has no field " + name + "; the orchestrator only handles job events");
            }
            return null;
        }
        return event.get(field.pos());
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}

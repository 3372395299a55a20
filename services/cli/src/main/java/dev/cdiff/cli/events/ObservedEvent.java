package dev.cdiff.cli.events;

import org.apache.avro.generic.GenericRecord;

import java.time.Instant;

/**
 * One record of an event topic as read back from Kafka: where it was, the registry id of its writer schema, and its
 * value decoded with that schema (generic, so events of schema versions this build does not know still show).
 *
 * @param value null when the record could not be decoded; {@code error} then says why
 */
public record ObservedEvent(String topic, int partition, long offset, String key, long recordTimestamp,
                            int schemaId, GenericRecord value, String error) {

    /** Record name of the writer schema, e.g. {@code TrainingCompleted}. */
    public String type() {
        return value == null ? "<undecodable>" : value.getSchema().getName();
    }

    public String eventId() {
        return text("eventId");
    }

    public String causationId() {
        return text("causationId");
    }

    public String jobId() {
        String job = text("jobId");
        return job != null ? job : key;
    }

    public String tenantId() {
        return text("tenantId");
    }

    /** The event's own time (occurredAt), falling back to the Kafka record time. */
    public Instant occurredAt() {
        Object v = field("occurredAt");
        if (v == null) {
            v = field("failedAt");
        }
        if (v instanceof Long millis) {
            return Instant.ofEpochMilli(millis);
        }
        if (v instanceof Instant instant) {
            return instant;
        }
        return Instant.ofEpochMilli(recordTimestamp);
    }

    public Object field(String name) {
        if (value == null || value.getSchema().getField(name) == null) {
            return null;
        }
        return value.get(name);
    }

    public String text(String name) {
        Object v = field(name);
        return v == null ? null : v.toString();
    }

    public boolean belongsTo(String job) {
        return job.equals(jobId()) || job.equals(key);
    }
}

package dev.cdiff.cli.events;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.StringJoiner;

/**
 * One line per event: time, topic, type, eventId, causationId, job, then the event's own fields. Works from the
 * writer schema alone, so fields added by later schema versions show up without changing this class. Artifact
 * references print as their key; long lists print as their size.
 */
public final class EventFormatter {
    private static final Set<String> ENVELOPE = Set.of("eventId", "tenantId", "jobId", "occurredAt", "causationId");
    private static final int MAX_TEXT = 72;

    private EventFormatter() {
    }

    public static String line(ObservedEvent e) {
        StringBuilder out = new StringBuilder();
        out.append(e.occurredAt()).append("  ").append(e.topic()).append("  ").append(e.type())
                .append("  eventId=").append(e.eventId())
                .append(" causationId=").append(e.causationId())
                .append(" jobId=").append(e.jobId())
                .append(" tenant=").append(e.tenantId());
        if (e.value() == null) {
            return out.append("  error=").append(e.error()).toString();
        }
        for (Schema.Field f : e.value().getSchema().getFields()) {
            if (ENVELOPE.contains(f.name())) {
                continue;
            }
            Object v = e.value().get(f.name());
            if (v == null) {
                continue;
            }
            out.append(' ').append(f.name()).append('=').append(value(v));
        }
        return out.toString();
    }

    public static String value(Object v) {
        if (v instanceof GenericRecord r) {
            if (r.getSchema().getField("key") != null) {
                return "s3://" + r.get("bucket") + "/" + r.get("key");
            }
            StringJoiner j = new StringJoiner(",", "{", "}");
            r.getSchema().getFields().forEach(f -> j.add(f.name() + "=" + value(r.get(f.name()))));
            return j.toString();
        }
        if (v instanceof Collection<?> c) {
            if (c.isEmpty()) {
                return "[]";
            }
            if (c.size() > 3) {
                return "[" + c.size() + " items]";
            }
            StringJoiner j = new StringJoiner("|", "[", "]");
            c.forEach(x -> j.add(value(x)));
            return j.toString();
        }
        if (v instanceof java.nio.ByteBuffer b) {
            return "<" + b.remaining() + " bytes>";
        }
        if (v instanceof Instant i) {
            return i.toString();
        }
        String s = v.toString();
        if (s.length() > MAX_TEXT) {
            s = s.substring(0, MAX_TEXT - 3) + "...";
        }
        return s.contains(" ") ? "\"" + s + "\"" : s;
    }
}

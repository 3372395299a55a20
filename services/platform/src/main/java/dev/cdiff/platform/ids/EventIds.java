package dev.cdiff.platform.ids;

import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

import java.util.Collection;
import java.util.Map;
import java.util.function.BinaryOperator;

/**
 * Checks every id and artifact key an event carries against {@link Ids}, wherever it sits in the event (envelope,
 * nested records, arrays). Fields are recognised by name, the same in every schema, so a new event type is covered
 * the day it is added:
 * <ul>
 * <li>{@code eventId}, {@code causationId}: event ids; {@code tenantId}: tenant id; {@code jobId}: job id;
 * {@code conceptId}, {@code conceptName}, {@code modifierToken}</li>
 * <li>{@code bucket}, {@code sourceBucket}: bucket names; {@code key}, {@code sourceKeys}: artifact keys</li>
 * <li>{@code sha256}, {@code sourceDigests}, {@code classSetDigest}, {@code classSetDigests}: digests;
 * {@code baseModelDigest}: a digest or
 * empty (a request that does not pin its base model)</li>
 * </ul>
 * An {@code ArtifactRef} must also be content-addressed: its key's file name is its sha256 (plus an extension), as
 * {@code ArtifactStore.put} writes it, so a reference cannot pair one object's key with another's digest.
 */
public final class EventIds {
    private static final Map<String, BinaryOperator<String>> RULES = Map.ofEntries(
            Map.entry("eventId", Ids::eventId),
            Map.entry("causationId", Ids::eventId),
            Map.entry("tenantId", Ids::tenantId),
            Map.entry("jobId", Ids::jobId),
            Map.entry("conceptId", Ids::conceptId),
            Map.entry("conceptName", Ids::conceptName),
            Map.entry("modifierToken", Ids::modifierToken),
            Map.entry("bucket", Ids::bucket),
            Map.entry("sourceBucket", Ids::bucket),
            Map.entry("key", Ids::artifactKey),
            Map.entry("sourceKeys", Ids::artifactKey),
            Map.entry("sha256", Ids::sha256),
            Map.entry("sourceDigests", Ids::sha256),
            Map.entry("classSetDigest", Ids::sha256),
            Map.entry("classSetDigests", Ids::sha256),
            Map.entry("baseModelDigest", (field, value) -> value != null && value.isEmpty() ? value
                    : Ids.sha256(field, value)));

    private EventIds() {
    }

    /** @return the event, every id and key in it valid; else throws {@link InvalidIdException} naming the field */
    public static <T extends IndexedRecord> T check(T event) {
        checkRecord(event.getSchema().getName(), event);
        return event;
    }

    private static void checkRecord(String path, IndexedRecord record) {
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            String where = path + "." + field.name();
            BinaryOperator<String> rule = RULES.get(field.name());
            if (value == null) {
                if (rule != null && !field.schema().isNullable()) {
                    throw new InvalidIdException(where, where + " is missing");
                }
                continue;
            }
            checkValue(where, value, rule);
        }
        if ("ArtifactRef".equals(record.getSchema().getName())) {
            contentAddressed(path, text(record.get(record.getSchema().getField("key").pos())),
                    text(record.get(record.getSchema().getField("sha256").pos())));
        }
    }

    private static void checkValue(String where, Object value, BinaryOperator<String> rule) {
        if (value instanceof IndexedRecord nested) {
            checkRecord(where, nested);
        } else if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                String at = where + "[" + i++ + "]";
                if (item == null) {
                    if (rule != null) {
                        throw new InvalidIdException(at, at + " is missing");
                    }
                    continue;
                }
                checkValue(at, item, rule);
            }
        } else if (rule != null && value instanceof CharSequence text) {
            rule.apply(where, text.toString());
        }
    }

    private static void contentAddressed(String where, String key, String sha256) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        int dot = name.indexOf('.');
        String digest = dot < 0 ? name : name.substring(0, dot);
        if (!digest.equals(sha256)) {
            throw new InvalidIdException(where + ".key", where + ".key '" + Ids.printable(key)
                    + "' is not the content address of sha256 " + sha256 + ": an artifact's file name is its digest");
        }
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}

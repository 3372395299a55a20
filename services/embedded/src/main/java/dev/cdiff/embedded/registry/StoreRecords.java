package dev.cdiff.embedded.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.platform.registry.CompatibilityLevel;

/**
 * The JSON keys and values of the registry's log topic, laid out as Confluent Schema Registry writes them so the
 * topic reads the same to either: keys {@code {"keytype":"SCHEMA","subject":..,"version":..,"magic":1}} and
 * {@code {"keytype":"CONFIG","subject":..|null,"magic":0}}; values {@code {"subject","version","id","schema",
 * "deleted"}} and {@code {"compatibilityLevel":..}}; a null value (tombstone) removes the key.
 */
final class StoreRecords {
    static final String SCHEMA = "SCHEMA";
    static final String CONFIG = "CONFIG";
    static final String DELETE_SUBJECT = "DELETE_SUBJECT";
    static final String NOOP = "NOOP";
    private static final ObjectMapper JSON = new ObjectMapper();

    private StoreRecords() {
    }

    static String schemaKey(String subject, int version) {
        ObjectNode key = JSON.createObjectNode();
        key.put("keytype", SCHEMA);
        key.put("subject", subject);
        key.put("version", version);
        key.put("magic", 1);
        return key.toString();
    }

    static String schemaValue(SchemaEntry entry) {
        ObjectNode value = JSON.createObjectNode();
        value.put("subject", entry.subject());
        value.put("version", entry.version());
        value.put("id", entry.id());
        value.put("schema", entry.schema());
        value.put("deleted", entry.deleted());
        return value.toString();
    }

    /** @param subject null for the global config */
    static String configKey(String subject) {
        ObjectNode key = JSON.createObjectNode();
        key.put("keytype", CONFIG);
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        key.put("magic", 0);
        return key.toString();
    }

    static String configValue(CompatibilityLevel level) {
        ObjectNode value = JSON.createObjectNode();
        value.put("compatibilityLevel", level.name());
        return value.toString();
    }

    static JsonNode parse(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("not a JSON object: " + json);
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("unparsable registry record: " + json, e);
        }
    }

    static SchemaEntry toEntry(JsonNode value) {
        return new SchemaEntry(value.path("subject").asText(), value.path("version").asInt(),
                value.path("id").asInt(), value.path("schema").asText(), value.path("deleted").asBoolean(false));
    }

    /** Subject of a key; null for the global config (JSON null or absent). */
    static String subjectOf(JsonNode key) {
        JsonNode s = key.get("subject");
        return s == null || s.isNull() ? null : s.asText();
    }
}

package dev.cdiff.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.platform.registry.CompatibilityLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the log says, indexed for the REST reads. Only the log's reader applies records; everyone else reads.
 * Rebuilt from scratch by replaying the topic, so it holds nothing the topic does not.
 */
final class RegistryState {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryState.class);

    private final Map<String, TreeMap<Integer, SchemaEntry>> versionsBySubject = new TreeMap<>();
    private final Map<Integer, String> schemaById = new HashMap<>();
    private final Map<String, Integer> idBySchema = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel;
    private int maxId;

    /** Applies one log record; malformed records are logged and skipped so one bad record cannot wedge start-up. */
    synchronized void apply(String keyJson, String valueJson) {
        try {
            JsonNode key = StoreRecords.parse(keyJson);
            JsonNode value = valueJson == null ? null : StoreRecords.parse(valueJson);
            switch (key.path("keytype").asText()) {
                case StoreRecords.SCHEMA -> applySchema(key, value);
                case StoreRecords.CONFIG -> applyConfig(key, value);
                case StoreRecords.DELETE_SUBJECT -> applyDeleteSubject(key, value);
                default -> {
                    // NOOP and record kinds we do not serve (modes, contexts) carry no state for us.
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("skipping unreadable registry record key={} value={}: {}", keyJson, valueJson, e.toString());
        }
    }

    private void applySchema(JsonNode key, JsonNode value) {
        String subject = StoreRecords.subjectOf(key);
        int version = key.path("version").asInt();
        if (value == null) {
            TreeMap<Integer, SchemaEntry> versions = versionsBySubject.get(subject);
            if (versions != null) {
                versions.remove(version);
                if (versions.isEmpty()) {
                    versionsBySubject.remove(subject);
                }
            }
            return;
        }
        SchemaEntry entry = StoreRecords.toEntry(value);
        versionsBySubject.computeIfAbsent(entry.subject(), s -> new TreeMap<>()).put(entry.version(), entry);
        schemaById.put(entry.id(), entry.schema());
        idBySchema.putIfAbsent(entry.schema(), entry.id());
        maxId = Math.max(maxId, entry.id());
    }

    private void applyConfig(JsonNode key, JsonNode value) {
        String subject = StoreRecords.subjectOf(key);
        CompatibilityLevel level = value == null ? null
                : CompatibilityLevel.parse(value.path("compatibilityLevel").asText());
        if (subject == null) {
            globalLevel = level;
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    /** Confluent's marker that versions up to {@code version} of a subject are soft-deleted. */
    private void applyDeleteSubject(JsonNode key, JsonNode value) {
        if (value == null) {
            return;
        }
        TreeMap<Integer, SchemaEntry> versions = versionsBySubject.get(StoreRecords.subjectOf(key));
        if (versions != null) {
            int upTo = value.path("version").asInt(Integer.MAX_VALUE);
            versions.replaceAll((v, e) -> v <= upTo ? e.asDeleted() : e);
        }
    }

    synchronized List<SchemaEntry> entries(String subject, boolean includeDeleted) {
        List<SchemaEntry> out = new ArrayList<>();
        TreeMap<Integer, SchemaEntry> versions = versionsBySubject.get(subject);
        if (versions != null) {
            for (SchemaEntry e : versions.values()) {
                if (includeDeleted || !e.deleted()) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    synchronized List<String> subjects(boolean includeDeleted) {
        List<String> out = new ArrayList<>();
        versionsBySubject.forEach((subject, versions) -> {
            if (includeDeleted || versions.values().stream().anyMatch(e -> !e.deleted())) {
                out.add(subject);
            }
        });
        return out;
    }

    /** Highest version ever used by the subject (deleted ones included: versions are never reused). */
    synchronized int maxVersion(String subject) {
        TreeMap<Integer, SchemaEntry> versions = versionsBySubject.get(subject);
        return versions == null || versions.isEmpty() ? 0 : versions.lastKey();
    }

    synchronized Optional<String> schemaById(int id) {
        return Optional.ofNullable(schemaById.get(id));
    }

    synchronized Optional<Integer> idOf(String canonicalSchema) {
        return Optional.ofNullable(idBySchema.get(canonicalSchema));
    }

    synchronized List<SchemaEntry> entriesWithId(int id) {
        List<SchemaEntry> out = new ArrayList<>();
        versionsBySubject.values().forEach(vs -> vs.values().forEach(e -> {
            if (e.id() == id) {
                out.add(e);
            }
        }));
        return out;
    }

    synchronized int maxId() {
        return maxId;
    }

    synchronized Optional<CompatibilityLevel> globalLevel() {
        return Optional.ofNullable(globalLevel);
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }
}

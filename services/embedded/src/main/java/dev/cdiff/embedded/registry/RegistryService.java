package dev.cdiff.embedded.registry;

import dev.cdiff.platform.registry.AvroSchemas;
import dev.cdiff.platform.registry.CompatibilityLevel;
import dev.cdiff.platform.registry.RegistryError;
import dev.cdiff.platform.registry.SchemaRegistryException;
import org.apache.avro.Schema;
import org.apache.avro.AvroRuntimeException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The registry's rules over its state: id and version assignment, compatibility, config, deletion. Writes are
 * serialised here (one writer), and each returns only after its record is applied, so answers reflect it.
 */
final class RegistryService {
    static final CompatibilityLevel DEFAULT_LEVEL = CompatibilityLevel.BACKWARD;

    private final RegistryLog log;
    private final RegistryState state;

    RegistryService(RegistryLog log, RegistryState state) {
        this.log = log;
        this.state = state;
    }

    /** Compatibility check outcome with the reasons for a failure. */
    record CompatibilityVerdict(boolean compatible, List<String> messages) {
    }

    // ---- schemas ------------------------------------------------------------------------------------------

    /** Registers (or finds) the schema under the subject and returns its id; same schema, same id everywhere. */
    synchronized int register(String subject, String schemaText) {
        requireSubject(subject);
        Schema schema = parse(schemaText);
        String canonical = AvroSchemas.canonical(schema);
        List<SchemaEntry> live = state.entries(subject, false);
        for (SchemaEntry e : live) {
            if (e.schema().equals(canonical)) {
                return e.id();
            }
        }
        List<String> violations = AvroCompatibility.violations(effectiveLevel(subject), schema, parsed(live));
        if (!violations.isEmpty()) {
            throw new SchemaRegistryException(RegistryError.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\" (compatibility " + effectiveLevel(subject) + "), details: " + violations);
        }
        int id = state.idOf(canonical).orElseGet(() -> state.maxId() + 1);
        SchemaEntry entry = new SchemaEntry(subject, state.maxVersion(subject) + 1, id, canonical, false);
        log.append(StoreRecords.schemaKey(subject, entry.version()), StoreRecords.schemaValue(entry));
        return id;
    }

    /** The version of the subject holding this schema. */
    SchemaEntry lookup(String subject, String schemaText, boolean includeDeleted) {
        String canonical = AvroSchemas.canonical(parse(schemaText));
        List<SchemaEntry> entries = state.entries(subject, includeDeleted);
        if (entries.isEmpty()) {
            throw subjectNotFound(subject);
        }
        SchemaEntry found = null;
        for (SchemaEntry e : entries) {
            if (e.schema().equals(canonical)) {
                found = e;
            }
        }
        if (found == null) {
            throw new SchemaRegistryException(RegistryError.SCHEMA_NOT_FOUND,
                    "Schema not found under subject '" + subject + "'");
        }
        return found;
    }

    String schemaById(int id) {
        return state.schemaById(id).orElseThrow(() -> new SchemaRegistryException(RegistryError.SCHEMA_NOT_FOUND,
                "Schema " + id + " not found"));
    }

    List<SchemaEntry> usesOfId(int id) {
        schemaById(id);
        return state.entriesWithId(id);
    }

    List<String> subjects(boolean includeDeleted) {
        return state.subjects(includeDeleted);
    }

    List<Integer> versions(String subject, boolean includeDeleted) {
        List<SchemaEntry> entries = state.entries(subject, includeDeleted);
        if (entries.isEmpty()) {
            throw subjectNotFound(subject);
        }
        return entries.stream().map(SchemaEntry::version).toList();
    }

    /** @param versionSpec "latest", "-1" or a version number */
    SchemaEntry version(String subject, String versionSpec, boolean includeDeleted) {
        int wanted = parseVersion(versionSpec);
        List<SchemaEntry> entries = state.entries(subject, includeDeleted);
        if (entries.isEmpty()) {
            throw subjectNotFound(subject);
        }
        if (wanted == -1) {
            return entries.get(entries.size() - 1);
        }
        return entries.stream().filter(e -> e.version() == wanted).findFirst()
                .orElseThrow(() -> new SchemaRegistryException(RegistryError.VERSION_NOT_FOUND,
                        "Version " + wanted + " not found under subject '" + subject + "'"));
    }

    /**
     * Checks a candidate against one version (versionSpec given) or against what the subject's level covers
     * (versionSpec null), without registering.
     */
    CompatibilityVerdict checkCompatibility(String subject, String versionSpec, String schemaText) {
        Schema candidate = parse(schemaText);
        CompatibilityLevel level = effectiveLevel(subject);
        List<Schema> against;
        if (versionSpec == null) {
            against = parsed(state.entries(subject, false));
        } else {
            int wanted = parseVersion(versionSpec);
            if (state.entries(subject, false).isEmpty() && wanted == -1) {
                // Nothing registered yet: any schema can start the subject.
                return new CompatibilityVerdict(true, List.of());
            }
            against = List.of(AvroSchemas.parse(version(subject, versionSpec, false).schema()));
            // A single named version is checked as the non-transitive form of the level.
            level = level.transitive() ? CompatibilityLevel.valueOf(level.name().replace("_TRANSITIVE", "")) : level;
        }
        List<String> violations = AvroCompatibility.violations(level, candidate, against);
        return new CompatibilityVerdict(violations.isEmpty(), violations);
    }

    /** Soft-deletes all live versions, or (permanent) erases a subject already soft-deleted. */
    synchronized List<Integer> deleteSubject(String subject, boolean permanent) {
        List<SchemaEntry> all = state.entries(subject, true);
        if (all.isEmpty()) {
            throw subjectNotFound(subject);
        }
        List<Integer> deleted = new ArrayList<>();
        if (permanent) {
            if (all.stream().anyMatch(e -> !e.deleted())) {
                throw new SchemaRegistryException(RegistryError.SUBJECT_NOT_SOFT_DELETED,
                        "Subject '" + subject + "' was not deleted first before being permanently deleted");
            }
            for (SchemaEntry e : all) {
                log.append(StoreRecords.schemaKey(subject, e.version()), null);
                deleted.add(e.version());
            }
            return deleted;
        }
        List<SchemaEntry> live = state.entries(subject, false);
        if (live.isEmpty()) {
            throw new SchemaRegistryException(RegistryError.SUBJECT_SOFT_DELETED,
                    "Subject '" + subject + "' was soft deleted. Set permanent=true to delete permanently");
        }
        for (SchemaEntry e : live) {
            log.append(StoreRecords.schemaKey(subject, e.version()), StoreRecords.schemaValue(e.asDeleted()));
            deleted.add(e.version());
        }
        return deleted;
    }

    synchronized int deleteVersion(String subject, String versionSpec, boolean permanent) {
        SchemaEntry entry = version(subject, versionSpec, permanent);
        if (permanent) {
            if (!entry.deleted()) {
                throw new SchemaRegistryException(RegistryError.SCHEMA_VERSION_NOT_SOFT_DELETED, "Subject '" + subject
                        + "' Version " + entry.version() + " was not deleted first before being permanently deleted");
            }
            log.append(StoreRecords.schemaKey(subject, entry.version()), null);
        } else {
            log.append(StoreRecords.schemaKey(subject, entry.version()), StoreRecords.schemaValue(entry.asDeleted()));
        }
        return entry.version();
    }

    // ---- config -------------------------------------------------------------------------------------------

    CompatibilityLevel globalLevel() {
        return state.globalLevel().orElse(DEFAULT_LEVEL);
    }

    synchronized CompatibilityLevel setGlobalLevel(CompatibilityLevel level) {
        log.append(StoreRecords.configKey(null), StoreRecords.configValue(level));
        return level;
    }

    /** The subject's own level; with {@code defaultToGlobal} falls back to the global one. */
    CompatibilityLevel subjectLevel(String subject, boolean defaultToGlobal) {
        Optional<CompatibilityLevel> own = state.subjectLevel(subject);
        if (own.isPresent()) {
            return own.get();
        }
        if (defaultToGlobal) {
            return globalLevel();
        }
        throw new SchemaRegistryException(RegistryError.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                "Subject '" + subject + "' does not have subject-level compatibility configured");
    }

    synchronized CompatibilityLevel setSubjectLevel(String subject, CompatibilityLevel level) {
        requireSubject(subject);
        log.append(StoreRecords.configKey(subject), StoreRecords.configValue(level));
        return level;
    }

    /** Removes the subject's own level; returns the level it had. */
    synchronized CompatibilityLevel clearSubjectLevel(String subject) {
        CompatibilityLevel previous = state.subjectLevel(subject).orElseThrow(() -> state.entries(subject, true).isEmpty()
                ? subjectNotFound(subject)
                : new SchemaRegistryException(RegistryError.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                "Subject '" + subject + "' does not have subject-level compatibility configured"));
        log.append(StoreRecords.configKey(subject), null);
        return previous;
    }

    CompatibilityLevel effectiveLevel(String subject) {
        return state.subjectLevel(subject).orElseGet(this::globalLevel);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    static int parseVersion(String spec) {
        if ("latest".equals(spec) || "-1".equals(spec)) {
            return -1;
        }
        try {
            int v = Integer.parseInt(spec);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new SchemaRegistryException(RegistryError.INVALID_VERSION, "The specified version '" + spec
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    private static Schema parse(String schemaText) {
        try {
            return AvroSchemas.parse(schemaText);
        } catch (AvroRuntimeException e) {
            throw new SchemaRegistryException(RegistryError.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        }
    }

    private static List<Schema> parsed(List<SchemaEntry> entries) {
        return entries.stream().map(e -> AvroSchemas.parse(e.schema())).toList();
    }

    private static void requireSubject(String subject) {
        if (subject == null || subject.isBlank() || subject.chars().anyMatch(Character::isISOControl)) {
            throw new SchemaRegistryException(422, 42208, "Invalid subject '" + subject + "'");
        }
    }

    private static SchemaRegistryException subjectNotFound(String subject) {
        return new SchemaRegistryException(RegistryError.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }
}

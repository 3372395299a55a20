package dev.cdiff.platform.registry;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Compatibility rules of a subject. BACKWARD: consumers on the new schema read data written with the previous
 * one; FORWARD: consumers on the previous schema read data written with the new one; FULL: both. The TRANSITIVE
 * variants check against every live version instead of only the latest.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    private final boolean newReadsOld;
    private final boolean oldReadsNew;
    private final boolean transitive;

    CompatibilityLevel(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
        this.newReadsOld = newReadsOld;
        this.oldReadsNew = oldReadsNew;
        this.transitive = transitive;
    }

    /** A reader on the candidate schema must read data written with earlier versions. */
    public boolean newReadsOld() {
        return newReadsOld;
    }

    /** A reader on an earlier version must read data written with the candidate schema. */
    public boolean oldReadsNew() {
        return oldReadsNew;
    }

    /** Check against all live versions, not only the latest. */
    public boolean transitive() {
        return transitive;
    }

    /** Parses a level name as the REST API spells it (case-insensitive). */
    public static CompatibilityLevel parse(String name) {
        if (name != null) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // fall through to the message listing the valid names
            }
        }
        throw new IllegalArgumentException("invalid compatibility level '" + name + "'; valid levels: "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
}

package dev.cdiff.embedded.registry;

import dev.cdiff.platform.registry.CompatibilityLevel;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

import java.util.ArrayList;
import java.util.List;

/** A compatibility level applied with Avro's own reader/writer resolution checker. */
final class AvroCompatibility {
    private AvroCompatibility() {
    }

    /**
     * Why the candidate breaks the level against the subject's live versions (empty = compatible).
     *
     * @param previous live versions, oldest first
     */
    static List<String> violations(CompatibilityLevel level, Schema candidate, List<Schema> previous) {
        List<String> out = new ArrayList<>();
        if (level == CompatibilityLevel.NONE || previous.isEmpty()) {
            return out;
        }
        List<Schema> against = level.transitive() ? previous : List.of(previous.get(previous.size() - 1));
        for (Schema old : against) {
            if (level.newReadsOld()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old),
                        "new schema cannot read data written with an earlier one", out);
            }
            if (level.oldReadsNew()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(old, candidate),
                        "an earlier schema cannot read data written with the new one", out);
            }
        }
        return out;
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility pair, String direction, List<String> out) {
        if (pair.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (SchemaCompatibility.Incompatibility i : pair.getResult().getIncompatibilities()) {
            out.add("{" + direction + ": " + i.getType() + " at " + i.getLocation() + ": " + i.getMessage() + "}");
        }
    }
}

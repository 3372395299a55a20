package dev.cdiff.platform.registry;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/** Parsing and the canonical text form the registry keys schemas on. */
public final class AvroSchemas {
    private AvroSchemas() {
    }

    /**
     * Parses one self-contained Avro schema (named types must be defined inline, as generated classes' SCHEMA$ are).
     *
     * @throws SchemaParseException naming what is wrong
     */
    public static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw new SchemaParseException("empty schema");
        }
        return new Schema.Parser().parse(schemaText);
    }

    /**
     * The form two registrations are compared by: Avro's own JSON rendering of the parsed schema (what Confluent
     * stores when schema normalisation is off), so whitespace and key order in the submitted text do not matter.
     */
    public static String canonical(Schema schema) {
        return schema.toString();
    }

    public static String canonical(String schemaText) {
        return canonical(parse(schemaText));
    }
}

package dev.cdiff.platform.registry;

import org.apache.avro.Schema;

/** One version of a subject as the registry reports it: the schema text, its global id and its version. */
public record RegisteredSchema(String subject, int version, int id, String schema) {

    /** Parses {@link #schema()} as Avro. */
    public Schema avroSchema() {
        return AvroSchemas.parse(schema);
    }
}

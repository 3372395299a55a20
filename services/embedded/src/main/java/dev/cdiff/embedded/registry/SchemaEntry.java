package dev.cdiff.embedded.registry;

/** One version of one subject, as stored in the value of a SCHEMA record of {@code _schemas}. */
record SchemaEntry(String subject, int version, int id, String schema, boolean deleted) {

    SchemaEntry asDeleted() {
        return new SchemaEntry(subject, version, id, schema, true);
    }
}

package dev.cdiff.embedded.registry;

import java.util.function.BiConsumer;

/**
 * The registry's durable, ordered record of changes (Confluent keeps it in the compacted {@code _schemas} topic).
 * The registry's state is only ever what a reader of this log has applied.
 */
interface RegistryLog extends AutoCloseable {

    /**
     * Starts delivering records, oldest first, to {@code applier}; returns once everything written before the call
     * has been applied.
     */
    void start(BiConsumer<String, String> applier);

    /**
     * Appends a record (null value = tombstone) and returns only after the applier has seen it, so the writer
     * reads its own write.
     */
    void append(String key, String value);

    /** Where the records live, for messages. */
    String describe();

    @Override
    void close();
}

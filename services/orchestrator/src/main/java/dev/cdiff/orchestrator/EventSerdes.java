package dev.cdiff.orchestrator;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Where the topology gets the value serde of each event type. Production passes Confluent-wire-format serdes
 * backed by the schema registry; tests may pass any serde that round-trips the generated classes.
 */
@FunctionalInterface
public interface EventSerdes {
    <T extends SpecificRecord> Serde<T> forType(Class<T> eventType);
}

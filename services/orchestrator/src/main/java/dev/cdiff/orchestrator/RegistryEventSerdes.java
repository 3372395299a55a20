package dev.cdiff.orchestrator;

import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.SpecificAvroSerde;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/** Confluent-wire-format Avro serdes sharing one registry client, so ids learned on write are known on read. */
public final class RegistryEventSerdes implements EventSerdes, AutoCloseable {
    private final SchemaRegistryClient client;
    private final boolean autoRegister;

    public RegistryEventSerdes(SchemaRegistryClient client, boolean autoRegister) {
        this.client = client;
        this.autoRegister = autoRegister;
    }

    @Override
    public <T extends SpecificRecord> Serde<T> forType(Class<T> eventType) {
        return SpecificAvroSerde.of(eventType, client, autoRegister);
    }

    @Override
    public void close() {
        client.close();
    }
}

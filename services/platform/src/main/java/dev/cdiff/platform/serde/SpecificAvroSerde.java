package dev.cdiff.platform.serde;

import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Map;

/**
 * Serde of one generated event class for Kafka Streams (and any client that takes a Serde). Serializer and
 * deserializer share one registry client, so an id registered on write is known on read without a lookup.
 */
public final class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final ConfluentAvroSerializer<T> serializer;
    private final ConfluentAvroDeserializer<T> deserializer;

    /** For Streams' default.value.serde by class name: configure() with the registry URL and the value type. */
    public SpecificAvroSerde() {
        this.serializer = new ConfluentAvroSerializer<>();
        this.deserializer = new ConfluentAvroDeserializer<>();
    }

    public SpecificAvroSerde(Class<T> type, SchemaRegistryClient client, boolean autoRegister) {
        this.serializer = new ConfluentAvroSerializer<>(client, autoRegister);
        this.deserializer = new ConfluentAvroDeserializer<>(type, client);
    }

    public static <T extends SpecificRecord> SpecificAvroSerde<T> of(Class<T> type, SerdeSettings settings) {
        return new SpecificAvroSerde<>(type, new SchemaRegistryClient(settings.registryUrl(), settings.requestTimeout()),
                settings.autoRegisterSchemas());
    }

    public static <T extends SpecificRecord> SpecificAvroSerde<T> of(Class<T> type, SchemaRegistryClient client,
                                                                    boolean autoRegister) {
        return new SpecificAvroSerde<>(type, client, autoRegister);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}

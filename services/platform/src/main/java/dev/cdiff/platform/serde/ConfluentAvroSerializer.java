package dev.cdiff.platform.serde;

import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes generated Avro records in the Confluent wire format, registering (or looking up) the record's schema
 * under {@code <topic>-value} ({@code <topic>-key} for keys). Null stays null, so tombstones pass through.
 */
public final class ConfluentAvroSerializer<T extends SpecificRecord> implements Serializer<T> {
    private WireEncoder encoder;
    private final Map<Class<?>, SpecificDatumWriter<T>> writers = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction; {@link #configure(Map, boolean)} must follow. */
    public ConfluentAvroSerializer() {
    }

    public ConfluentAvroSerializer(SerdeSettings settings) {
        this(new SchemaRegistryClient(settings.registryUrl(), settings.requestTimeout()), settings.autoRegisterSchemas());
    }

    /** Shares a client (and its id caches) with other serdes. */
    public ConfluentAvroSerializer(SchemaRegistryClient client, boolean autoRegister) {
        this.encoder = new WireEncoder(client, autoRegister, false);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        encoder = WireEncoder.configure(encoder, configs, isKey);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (encoder == null) {
            throw new IllegalStateException("ConfluentAvroSerializer is not configured: pass settings to the constructor"
                    + " or call configure() with " + SerdeSettings.SCHEMA_REGISTRY_URL);
        }
        SpecificDatumWriter<T> writer = writers.computeIfAbsent(data.getClass(),
                c -> new SpecificDatumWriter<>(data.getSchema(), SpecificData.getForClass(c)));
        return encoder.encode(topic, data.getSchema(), writer, data);
    }
}

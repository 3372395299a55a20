package dev.cdiff.platform.serde;

import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes {@link GenericRecord}s in the Confluent wire format: for tools that replay or craft events without the
 * generated classes (e.g. re-publishing a dead letter, or a newer schema than the classes on the classpath).
 */
public final class ConfluentAvroGenericSerializer implements Serializer<GenericRecord> {
    private WireEncoder encoder;
    private final Map<Schema, GenericDatumWriter<GenericRecord>> writers = new ConcurrentHashMap<>();

    public ConfluentAvroGenericSerializer() {
    }

    public ConfluentAvroGenericSerializer(SerdeSettings settings) {
        this(new SchemaRegistryClient(settings.registryUrl(), settings.requestTimeout()), settings.autoRegisterSchemas());
    }

    public ConfluentAvroGenericSerializer(SchemaRegistryClient client, boolean autoRegister) {
        this.encoder = new WireEncoder(client, autoRegister, false);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        encoder = WireEncoder.configure(encoder, configs, isKey);
    }

    @Override
    public byte[] serialize(String topic, GenericRecord data) {
        if (data == null) {
            return null;
        }
        if (encoder == null) {
            throw new IllegalStateException("ConfluentAvroGenericSerializer is not configured (missing "
                    + SerdeSettings.SCHEMA_REGISTRY_URL + ")");
        }
        GenericDatumWriter<GenericRecord> writer = writers.computeIfAbsent(data.getSchema(), GenericDatumWriter::new);
        return encoder.encode(topic, data.getSchema(), writer, data);
    }
}

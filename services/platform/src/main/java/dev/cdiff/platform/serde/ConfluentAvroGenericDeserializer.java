package dev.cdiff.platform.serde;

import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;

import java.util.Map;

/**
 * Reads Confluent-framed Avro as {@link GenericRecord}s, for tools that show any event without its generated class
 * ({@code ./cdiff events}). With no reader schema each record comes back in its writer's schema; with one, records
 * are resolved onto it (e.g. a v2 reader over v1 data).
 */
public final class ConfluentAvroGenericDeserializer implements Deserializer<GenericRecord> {
    private final Schema readerSchema;
    private WireDecoder<GenericRecord> decoder;

    /** A framed record with the id of the schema it was written with. */
    public record Decoded(int schemaId, GenericRecord record) {
    }

    public ConfluentAvroGenericDeserializer() {
        this.readerSchema = null;
    }

    public ConfluentAvroGenericDeserializer(SerdeSettings settings) {
        this(new SchemaRegistryClient(settings.registryUrl(), settings.requestTimeout()), null);
    }

    /** @param readerSchema schema to resolve every record onto; null to keep each writer's schema */
    public ConfluentAvroGenericDeserializer(SchemaRegistryClient client, Schema readerSchema) {
        this.readerSchema = readerSchema;
        this.decoder = new WireDecoder<>(client);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (decoder == null) {
            decoder = new WireDecoder<>(WireDecoder.clientFrom(configs));
        }
    }

    @Override
    public GenericRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (decoder == null) {
            throw new IllegalStateException("ConfluentAvroGenericDeserializer is not configured (missing "
                    + SerdeSettings.SCHEMA_REGISTRY_URL + ")");
        }
        return decoder.decode(topic, data, writer ->
                new GenericDatumReader<>(writer, readerSchema != null ? readerSchema : writer, GenericData.get()));
    }

    /** Decodes and also reports the writer schema id. */
    public Decoded decode(String topic, byte[] data) {
        GenericRecord record = deserialize(topic, data);
        return record == null ? null : new Decoded(ConfluentWireFormat.schemaId(data, topic), record);
    }
}

package dev.cdiff.platform.serde;

import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

import java.util.Map;

/**
 * Reads Confluent-framed Avro into generated classes. The writer schema comes from the registry by the id in the
 * record; the reader schema is the generated class's, and Avro's resolution rules bridge the two (fields the reader
 * lacks are skipped, fields the writer lacks take the reader's defaults).
 *
 * <p>The target class is given to the constructor or, when Kafka builds the deserializer, by
 * {@value SerdeSettings#SPECIFIC_VALUE_TYPE} / {@value SerdeSettings#SPECIFIC_KEY_TYPE}; without either, the class
 * named like the writer schema is used (Confluent's {@code specific.avro.reader} behaviour).
 */
public final class ConfluentAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    private Class<? extends T> type;
    private WireDecoder<T> decoder;

    public ConfluentAvroDeserializer() {
    }

    public ConfluentAvroDeserializer(Class<T> type, SerdeSettings settings) {
        this(type, new SchemaRegistryClient(settings.registryUrl(), settings.requestTimeout()));
    }

    /** @param type the generated class to read into; null to pick it from the writer schema's full name */
    public ConfluentAvroDeserializer(Class<T> type, SchemaRegistryClient client) {
        this.type = type;
        this.decoder = new WireDecoder<>(client);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (decoder == null) {
            decoder = new WireDecoder<>(WireDecoder.clientFrom(configs));
        }
        String typeKey = isKey ? SerdeSettings.SPECIFIC_KEY_TYPE : SerdeSettings.SPECIFIC_VALUE_TYPE;
        Object configured = configs.get(typeKey);
        if (type == null && configured != null) {
            Class<?> c;
            if (configured instanceof Class<?> given) {
                c = given;
            } else {
                try {
                    c = Class.forName(configured.toString().trim(), true, Thread.currentThread().getContextClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new ConfigException(typeKey, configured, "class not found");
                }
            }
            if (!SpecificRecord.class.isAssignableFrom(c)) {
                throw new ConfigException(typeKey, configured, "not a generated Avro class (SpecificRecord)");
            }
            type = (Class<? extends T>) c;
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (decoder == null) {
            throw new IllegalStateException("ConfluentAvroDeserializer is not configured: pass settings to the"
                    + " constructor or call configure() with " + SerdeSettings.SCHEMA_REGISTRY_URL);
        }
        return decoder.decode(topic, data, writer -> readerFor(writer, topic));
    }

    @SuppressWarnings("unchecked")
    private DatumReader<T> readerFor(Schema writer, String topic) {
        Class<? extends T> target = type;
        if (target == null) {
            Class<?> named = SpecificData.get().getClass(writer);
            if (named == null || !SpecificRecord.class.isAssignableFrom(named)) {
                throw new SerializationException("no generated class for writer schema " + writer.getFullName()
                        + " (topic '" + topic + "') on the classpath; set " + SerdeSettings.SPECIFIC_VALUE_TYPE);
            }
            target = (Class<? extends T>) named;
        }
        SpecificData model = SpecificData.getForClass(target);
        Schema reader = model.getSchema(target);
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new SerializationException(new AvroTypeException("records of " + writer.getFullName()
                    + " on topic '" + topic + "' cannot be read as " + target.getName() + ": "
                    + compatibility.getResult().getIncompatibilities()));
        }
        return new SpecificDatumReader<>(writer, reader, model);
    }
}

package dev.cdiff.platform.serde;

import dev.cdiff.platform.faults.FailureKind;
import dev.cdiff.platform.faults.InfrastructureUnavailable;
import dev.cdiff.platform.registry.RegistryError;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.registry.SchemaRegistryException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Shared half of the deserializers: reads the header, fetches the writer schema by id (once per id) and decodes the
 * payload with a reader built for that writer schema, so Avro's schema resolution maps old or new writers onto the
 * reader's schema.
 */
final class WireDecoder<D> {
    private final SchemaRegistryClient client;
    private final Map<Integer, DatumReader<D>> readersByWriterId = new ConcurrentHashMap<>();

    WireDecoder(SchemaRegistryClient client) {
        this.client = client;
    }

    SchemaRegistryClient client() {
        return client;
    }

    static SchemaRegistryClient clientFrom(Map<String, ?> configs) {
        SerdeSettings settings = SerdeSettings.fromConfig(configs);
        return new SchemaRegistryClient(settings.registryUrl(), settings.requestTimeout());
    }

    /**
     * The writer schema registered under this id. A registry that answers "no such id" makes the record poison
     * (SerializationException); a registry that does not answer, or fails, says nothing about the record
     * ({@link InfrastructureUnavailable}: wait and decode it again).
     */
    Schema writerSchema(int id, String topic) {
        try {
            return client.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.is(RegistryError.SCHEMA_NOT_FOUND)) {
                throw new SerializationException("unknown schema id " + id + " in record from topic '" + topic
                        + "': the registry at " + client.baseUrl() + " has no schema with that id", e);
            }
            if (FailureKind.of(e) == FailureKind.INFRASTRUCTURE) {
                throw new InfrastructureUnavailable(InfrastructureUnavailable.Dependency.SCHEMA_REGISTRY,
                        "cannot fetch writer schema id " + id + " for topic '" + topic + "' from the registry at "
                                + client.baseUrl() + ": " + e.getMessage(), e);
            }
            throw new SerializationException("cannot fetch writer schema id " + id + " for topic '" + topic + "': "
                    + e.getMessage(), e);
        }
    }

    /**
     * Decodes a framed record.
     *
     * @param readerFor builds the datum reader for a writer schema (called once per schema id)
     */
    D decode(String topic, byte[] framed, Function<Schema, DatumReader<D>> readerFor) {
        int id = ConfluentWireFormat.schemaId(framed, topic);
        DatumReader<D> reader = readersByWriterId.get(id);
        if (reader == null) {
            reader = readerFor.apply(writerSchema(id, topic));
            readersByWriterId.put(id, reader);
        }
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(framed, ConfluentWireFormat.HEADER_SIZE,
                    framed.length - ConfluentWireFormat.HEADER_SIZE, null);
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode record with schema id " + id + " from topic '" + topic
                    + "': " + e, e);
        }
    }
}

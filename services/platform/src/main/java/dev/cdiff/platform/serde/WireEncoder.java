package dev.cdiff.platform.serde;

import dev.cdiff.platform.faults.FailureKind;
import dev.cdiff.platform.faults.InfrastructureUnavailable;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.registry.SchemaRegistryException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/** Shared half of the serializers: resolves the writer schema's id under the topic's subject and frames the datum. */
final class WireEncoder {
    private final SchemaRegistryClient client;
    private final boolean autoRegister;
    private final boolean isKey;

    WireEncoder(SchemaRegistryClient client, boolean autoRegister, boolean isKey) {
        this.client = client;
        this.autoRegister = autoRegister;
        this.isKey = isKey;
    }

    SchemaRegistryClient client() {
        return client;
    }

    /**
     * Applies Kafka's configure(Map) contract. A serde built with explicit settings or client keeps them (a framework
     * may configure it again with a map that knows nothing of the registry); only the key/value side changes.
     */
    static WireEncoder configure(WireEncoder current, Map<String, ?> configs, boolean isKey) {
        if (current != null) {
            return new WireEncoder(current.client, current.autoRegister, isKey);
        }
        SerdeSettings settings = SerdeSettings.fromConfig(configs);
        return new WireEncoder(new SchemaRegistryClient(settings.registryUrl(), settings.requestTimeout()),
                settings.autoRegisterSchemas(), isKey);
    }

    <D> byte[] encode(String topic, Schema writerSchema, DatumWriter<D> writer, D datum) {
        String subject = TopicNameStrategy.subject(topic, isKey);
        int id;
        try {
            id = autoRegister ? client.register(subject, writerSchema) : client.idOf(subject, writerSchema);
        } catch (SchemaRegistryException e) {
            if (FailureKind.of(e) == FailureKind.INFRASTRUCTURE) {
                throw new InfrastructureUnavailable(InfrastructureUnavailable.Dependency.SCHEMA_REGISTRY,
                        "cannot " + (autoRegister ? "register" : "look up") + " schema " + writerSchema.getFullName()
                                + " under subject '" + subject + "': the registry at " + client.baseUrl()
                                + " is unavailable: " + e.getMessage(), e);
            }
            throw new SerializationException("cannot " + (autoRegister ? "register" : "look up") + " schema "
                    + writerSchema.getFullName() + " under subject '" + subject + "' at " + client.baseUrl() + ": "
                    + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        ConfluentWireFormat.writeHeader(out, id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(datum, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + writerSchema.getFullName() + " for topic '" + topic
                    + "': " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}

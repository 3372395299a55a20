package dev.cdiff.embedded.registry;

import dev.cdiff.platform.registry.CompatibilityLevel;
import dev.cdiff.platform.registry.RegistryError;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.registry.SchemaRegistryException;
import dev.cdiff.platform.serde.ConfluentAvroDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroGenericDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroGenericSerializer;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.platform.serde.ConfluentWireFormat;
import dev.cdiff.platform.Topics;
import dev.cdiff.schemas.events.JobFailed;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A v2 of JobFailed (one more field, with a default) next to the generated v1 class, under the default BACKWARD
 * rule, through a real topic: old readers read new data, new readers read old data.
 */
class SchemaEvolutionTest {
    private static final Schema V1 = JobFailed.getClassSchema();
    private static final Schema V2 = TestEvents.withExtraField(V1, "attempt", Schema.create(Schema.Type.INT), 1);
    private static KafkaFixture kafka;
    private static LocalSchemaRegistry registry;

    @BeforeAll
    static void start() {
        kafka = new KafkaFixture();
        registry = LocalSchemaRegistry.start(kafka.bootstrap(), 0);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void oldAndNewReadersReadBothVersionsUnderBackward() {
        String topic = Topics.JOB_FAILED;
        SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
        assertEquals(CompatibilityLevel.BACKWARD, client.globalCompatibility());

        JobFailed v1Event = TestEvents.jobFailed("old", "written by a v1 producer");
        GenericRecord v2Event = new GenericData.Record(V2);
        v2Event.put("eventId", "ev-new");
        v2Event.put("tenantId", "acme");
        v2Event.put("jobId", "new");
        v2Event.put("occurredAt", TestEvents.T0.toEpochMilli());
        v2Event.put("causationId", null);
        v2Event.put("stage", "sampling");
        v2Event.put("reason", "written by a v2 producer");
        v2Event.put("errorClass", "java.io.IOException");
        v2Event.put("attempt", 3);

        byte[] v1Bytes = new ConfluentAvroSerializer<JobFailed>(client, true).serialize(topic, v1Event);
        byte[] v2Bytes = new ConfluentAvroGenericSerializer(new SchemaRegistryClient(registry.url()), true)
                .serialize(topic, v2Event);
        int v1Id = ConfluentWireFormat.schemaId(v1Bytes, topic);
        int v2Id = ConfluentWireFormat.schemaId(v2Bytes, topic);
        assertNotEquals(v1Id, v2Id);
        assertEquals(List.of(1, 2), client.versions(topic + "-value"), "v2 registered as version 2 under BACKWARD");

        List<byte[]> onTopic = throughTopic(topic, List.of(v1Bytes, v2Bytes));

        // Old reader: the generated v1 class, never told about 'attempt'.
        ConfluentAvroDeserializer<JobFailed> oldReader =
                new ConfluentAvroDeserializer<>(JobFailed.class, new SchemaRegistryClient(registry.url()));
        assertEquals(v1Event, oldReader.deserialize(topic, onTopic.get(0)));
        JobFailed newAsOld = oldReader.deserialize(topic, onTopic.get(1));
        assertEquals("written by a v2 producer", newAsOld.getReason());
        assertEquals("new", newAsOld.getJobId());
        assertEquals(TestEvents.T0, newAsOld.getOccurredAt(), "logical type conversion applies through resolution");

        // New reader: resolves everything onto v2; v1 data gets the default.
        ConfluentAvroGenericDeserializer newReader =
                new ConfluentAvroGenericDeserializer(new SchemaRegistryClient(registry.url()), V2);
        GenericRecord oldAsNew = newReader.deserialize(topic, onTopic.get(0));
        assertEquals(1, oldAsNew.get("attempt"), "field missing in v1 data takes v2's default");
        assertEquals("written by a v1 producer", oldAsNew.get("reason").toString());
        assertEquals(V2, oldAsNew.getSchema());
        GenericRecord newAsNew = newReader.deserialize(topic, onTopic.get(1));
        assertEquals(3, newAsNew.get("attempt"));
    }

    @Test
    void aWriterWithABreakingSchemaIsStoppedBeforeAnythingIsProduced() {
        String topic = "evolution-breaking";
        SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
        new ConfluentAvroSerializer<JobFailed>(client, true).serialize(topic, TestEvents.jobFailed("a", "v1"));
        Schema breaking = TestEvents.withRequiredField(V1, "priority");
        GenericRecord event = new GenericData.Record(breaking);
        V1.getFields().forEach(f -> event.put(f.name(), TestEvents.jobFailed("b", "v3").get(f.pos())));
        event.put("occurredAt", TestEvents.T0.toEpochMilli());
        event.put("priority", 7);
        SerializationException e = assertThrows(SerializationException.class,
                () -> new ConfluentAvroGenericSerializer(client, true).serialize(topic, event));
        SchemaRegistryException cause = assertInstanceOf(SchemaRegistryException.class, e.getCause());
        assertEquals(RegistryError.INCOMPATIBLE_SCHEMA, cause.error());
        assertTrue(e.getMessage().contains("priority"), e.getMessage());
    }

    private static List<byte[]> throughTopic(String topic, List<byte[]> values) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ConfluentAvroSerdeTest.producerConfigFor(kafka),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            values.forEach(v -> producer.send(new ProducerRecord<>(topic, v)));
            producer.flush();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ConfluentAvroSerdeTest.consumerConfigFor(kafka),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return ConfluentAvroSerdeTest.readAll(consumer, topic, values.size()).stream()
                    .map(ConsumerRecord::value).toList();
        }
    }
}

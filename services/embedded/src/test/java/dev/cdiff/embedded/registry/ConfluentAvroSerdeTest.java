package dev.cdiff.embedded.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroGenericDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.platform.serde.ConfluentWireFormat;
import dev.cdiff.platform.serde.SerdeSettings;
import dev.cdiff.platform.serde.SpecificAvroSerde;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingProgress;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Serializers and deserializers through real topics of a real broker, against the local registry. */
class ConfluentAvroSerdeTest {
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
    void severalEventTypesRoundTripThroughTheirTopics() {
        List<JobFailed> failures = List.of(TestEvents.jobFailed("j1", "out of memory"), TestEvents.jobFailed("j2", "bad image"));
        List<TrainingProgress> progress = List.of(TestEvents.progress("j3", 1), TestEvents.progress("j3", 2));
        List<TrainingCompleted> completions = List.of(TestEvents.completed("j4"));

        assertEquals(failures, roundTrip(JobFailed.class, failures));
        assertEquals(progress, roundTrip(TrainingProgress.class, progress));
        assertEquals(completions, roundTrip(TrainingCompleted.class, completions));

        SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
        assertTrue(client.subjects().containsAll(List.of(Topics.JOB_FAILED + "-value", Topics.TRAINING_PROGRESS + "-value",
                Topics.TRAINING_COMPLETED + "-value")), "auto-registered under <topic>-value: " + client.subjects());
        assertEquals(TrainingProgress.getClassSchema(), client.latest(Topics.TRAINING_PROGRESS + "-value").avroSchema());
    }

    /** Produce with the serializer given settings; consume with one built the Kafka way (class name + config map). */
    private <T extends SpecificRecord> List<T> roundTrip(Class<T> type, List<T> events) {
        String topic = Topics.of(type);
        try (KafkaProducer<String, T> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
                new ConfluentAvroSerializer<>(SerdeSettings.of(registry.url())))) {
            for (T e : events) {
                producer.send(new ProducerRecord<>(topic, jobIdOf(e), e));
            }
            producer.flush();
        }
        Map<String, Object> consumerConfig = new HashMap<>(consumerConfig());
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConfluentAvroDeserializer.class.getName());
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerConfig.put(SerdeSettings.SCHEMA_REGISTRY_URL, registry.url());
        consumerConfig.put(SerdeSettings.SPECIFIC_VALUE_TYPE, type.getName());
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(consumerConfig)) {
            List<T> out = new ArrayList<>();
            for (ConsumerRecord<String, T> r : readAll(consumer, topic, events.size())) {
                assertEquals(jobIdOf(r.value()), r.key(), "keyed by job id");
                out.add(r.value());
            }
            return out;
        }
    }

    @Test
    void wireFormatIsMagicZeroThenBigEndianIdThenPlainAvro() throws Exception {
        String topic = "wire-format-check";
        JobFailed event = TestEvents.jobFailed("w1", "wire check");
        SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
        try (KafkaProducer<String, JobFailed> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
                new ConfluentAvroSerializer<>(client, true))) {
            producer.send(new ProducerRecord<>(topic, "w1", event)).get();
        }
        byte[] bytes;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            bytes = readAll(consumer, topic, 1).get(0).value();
        }
        int registeredId = client.lookup(topic + "-value", JobFailed.getClassSchema()).id();
        assertEquals(0, bytes[0], "magic byte");
        assertEquals(registeredId, ByteBuffer.wrap(bytes, 1, 4).getInt(), "big-endian schema id");

        GenericRecord decoded = plainConfluentReader(bytes);
        assertEquals("wire check", decoded.get("reason").toString());
        assertEquals("w1", decoded.get("jobId").toString());
        assertEquals(TestEvents.T0.toEpochMilli(), decoded.get("occurredAt"), "timestamp-millis travels as epoch millis");
        assertNull(decoded.get("causationId"));
    }

    /**
     * What any Confluent-format consumer does, written with nothing but Avro and the registry's REST API:
     * read the id, GET /schemas/ids/{id}, decode the rest as Avro binary.
     */
    private static GenericRecord plainConfluentReader(byte[] bytes) throws Exception {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.get() != 0) {
            throw new IllegalArgumentException("not Confluent framed");
        }
        int id = buffer.getInt();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/schemas/ids/" + id)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        Schema writer = new Schema.Parser().parse(new ObjectMapper().readTree(response.body()).get("schema").asText());
        return new GenericDatumReader<GenericRecord>(writer).read(null,
                DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
    }

    @Test
    void garbageGetsClearErrors() {
        ConfluentAvroDeserializer<JobFailed> deserializer =
                new ConfluentAvroDeserializer<>(JobFailed.class, SerdeSettings.of(registry.url()));
        SerializationException magic = assertThrows(SerializationException.class,
                () -> deserializer.deserialize("t", new byte[] {'{', '"', 'a', '"', ':', '1', '}'}));
        assertTrue(magic.getMessage().contains("unknown magic byte 0x7b"), magic.getMessage());

        SerializationException unknownId = assertThrows(SerializationException.class,
                () -> deserializer.deserialize("t", new byte[] {0, 0, 0, 0x30, 0x39, 2, 'x'}));
        assertTrue(unknownId.getMessage().contains("unknown schema id 12345"), unknownId.getMessage());

        SerializationException shortRecord = assertThrows(SerializationException.class,
                () -> deserializer.deserialize("t", new byte[] {0, 0}));
        assertTrue(shortRecord.getMessage().contains("shorter than the 5-byte"), shortRecord.getMessage());

        assertNull(deserializer.deserialize("t", null), "tombstones stay null");

        // Data of another event type on a topic read as JobFailed: the reader says which types clash.
        byte[] progress = new ConfluentAvroSerializer<TrainingProgress>(SerdeSettings.of(registry.url()))
                .serialize("mixed-up", TestEvents.progress("m", 1));
        SerializationException wrongType = assertThrows(SerializationException.class,
                () -> deserializer.deserialize("mixed-up", progress));
        assertTrue(wrongType.getMessage().contains("TrainingProgress"), wrongType.getMessage());
    }

    @Test
    void withoutAutoRegisterAnUnregisteredSchemaFailsOnWrite() {
        ConfluentAvroSerializer<JobFailed> strict =
                new ConfluentAvroSerializer<>(SerdeSettings.of(registry.url()).withAutoRegister(false));
        SerializationException e = assertThrows(SerializationException.class,
                () -> strict.serialize("never-registered", TestEvents.jobFailed("s", "x")));
        assertTrue(e.getMessage().contains("never-registered-value"), e.getMessage());

        new ConfluentAvroSerializer<JobFailed>(SerdeSettings.of(registry.url())).serialize("registered-first",
                TestEvents.jobFailed("s", "x"));
        byte[] bytes = strict.serialize("registered-first", TestEvents.jobFailed("s", "y"));
        assertEquals(0, bytes[0]);
    }

    @Test
    void streamsSerdeAndGenericReaderAgreeOnTheSameBytes() {
        SpecificAvroSerde<TrainingCompleted> serde = SpecificAvroSerde.of(TrainingCompleted.class, SerdeSettings.of(registry.url()));
        TrainingCompleted event = TestEvents.completed("s1");
        byte[] bytes = serde.serializer().serialize("serde-topic", event);
        assertEquals(event, serde.deserializer().deserialize("serde-topic", bytes));

        // Configured by class name and map, as Kafka Streams does for default.value.serde.
        SpecificAvroSerde<TrainingCompleted> byConfig = new SpecificAvroSerde<>();
        byConfig.configure(Map.of(SerdeSettings.SCHEMA_REGISTRY_URL, registry.url()), false);
        assertEquals(event, byConfig.deserializer().deserialize("serde-topic", bytes),
                "without a type the class is found from the writer schema's name");
        assertArrayEquals(bytes, byConfig.serializer().serialize("serde-topic", event));

        ConfluentAvroGenericDeserializer generic = new ConfluentAvroGenericDeserializer(SerdeSettings.of(registry.url()));
        ConfluentAvroGenericDeserializer.Decoded decoded = generic.decode("serde-topic", bytes);
        assertEquals(ConfluentWireFormat.schemaId(bytes, "serde-topic"), decoded.schemaId());
        assertEquals("dev.cdiff.schemas.events.TrainingCompleted", decoded.record().getSchema().getFullName());
        assertEquals("cd".repeat(32), ((GenericRecord) decoded.record().get("delta")).get("sha256").toString());
        assertEquals(500, decoded.record().get("steps"));
    }

    private static Map<String, Object> producerConfig() {
        return producerConfigFor(kafka);
    }

    private static Map<String, Object> consumerConfig() {
        return consumerConfigFor(kafka);
    }

    static Map<String, Object> producerConfigFor(KafkaFixture kafka) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(), ProducerConfig.ACKS_CONFIG, "all");
    }

    static Map<String, Object> consumerConfigFor(KafkaFixture kafka) {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }

    static <K, V> List<ConsumerRecord<K, V>> readAll(KafkaConsumer<K, V> consumer, String topic, int expected) {
        TopicPartition p = new TopicPartition(topic, 0);
        consumer.assign(List.of(p));
        consumer.seekToBeginning(List.of(p));
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 20_000;
        while (out.size() < expected && System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        assertEquals(expected, out.size(), "records on " + topic);
        return out;
    }

    private static String jobIdOf(SpecificRecord event) {
        return event.get(event.getSchema().getField("jobId").pos()).toString();
    }
}

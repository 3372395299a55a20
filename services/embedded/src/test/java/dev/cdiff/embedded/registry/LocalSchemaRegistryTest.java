package dev.cdiff.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.registry.AvroSchemas;
import dev.cdiff.platform.registry.CompatibilityLevel;
import dev.cdiff.platform.registry.RegisteredSchema;
import dev.cdiff.platform.registry.RegistryError;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.registry.SchemaRegistryException;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.TrainingProgress;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry's REST behaviour over real HTTP, stored in a real broker's {@code _schemas} topic. */
class LocalSchemaRegistryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaFixture kafka;
    private static LocalSchemaRegistry registry;
    private static SchemaRegistryClient client;

    @BeforeAll
    static void start() {
        kafka = new KafkaFixture();
        long t0 = System.nanoTime();
        registry = LocalSchemaRegistry.start(kafka.bootstrap(), 0);
        System.out.printf("registry start on fresh broker: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        client = new SchemaRegistryClient(registry.url());
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
    void registeringTwiceGivesTheSameIdAndOtherSubjectsShareIt() {
        Schema schema = JobFailed.getClassSchema();
        int id = client.register("dup-value", schema);
        // A fresh client has no cache, so this really asks the server again.
        SchemaRegistryClient uncached = new SchemaRegistryClient(registry.url());
        assertEquals(id, uncached.register("dup-value", schema));
        assertEquals(List.of(1), uncached.versions("dup-value"), "re-registering must not add a version");

        int other = uncached.register("dup-other-value", schema);
        assertEquals(id, other, "same schema in another subject keeps its global id");
        assertEquals(1, uncached.latest("dup-other-value").version());

        assertEquals(schema, uncached.schemaById(id), "lookup by id returns the registered schema");
        RegisteredSchema found = uncached.lookup("dup-value", schema);
        assertEquals(new RegisteredSchema("dup-value", 1, id, AvroSchemas.canonical(schema)), found);
        assertTrue(uncached.subjects().containsAll(List.of("dup-value", "dup-other-value")));
    }

    @Test
    void backwardIsTheDefaultAndRejectsAFieldWithoutDefault() {
        assertEquals(CompatibilityLevel.BACKWARD, client.globalCompatibility());
        Schema v1 = TrainingProgress.getClassSchema();
        client.register("compat-value", v1);
        Schema breaking = TestEvents.withRequiredField(v1, "gpuName");
        assertFalse(client.isCompatible("compat-value", breaking));

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> client.register("compat-value", breaking));
        assertEquals(409, e.httpStatus());
        assertEquals(409, e.errorCode());
        assertEquals(RegistryError.INCOMPATIBLE_SCHEMA, e.error());
        assertTrue(e.serverMessage().contains("gpuName"), e.serverMessage());
        assertEquals(List.of(1), client.versions("compat-value"), "a rejected schema leaves no version behind");
    }

    @Test
    void optionalFieldWithDefaultIsAcceptedAsVersionTwo() {
        Schema v1 = JobFailed.getClassSchema();
        int id1 = client.register("evolve-value", v1);
        Schema v2 = TestEvents.withExtraField(v1, "attempt", Schema.create(Schema.Type.INT), 1);
        assertTrue(client.isCompatible("evolve-value", v2));
        int id2 = client.register("evolve-value", v2);
        assertNotEquals(id1, id2);
        RegisteredSchema latest = client.latest("evolve-value");
        assertEquals(2, latest.version());
        assertEquals(id2, latest.id());
        assertEquals(v2, latest.avroSchema());
        assertEquals(v1, client.version("evolve-value", 1).avroSchema());
    }

    @Test
    void subjectLevelNoneLetsAnIncompatibleSchemaIn() {
        Schema v1 = JobFailed.getClassSchema();
        client.register("loose-value", v1);
        Schema breaking = TestEvents.withRequiredField(v1, "mandatory");
        assertThrows(SchemaRegistryException.class, () -> client.register("loose-value", breaking));

        assertEquals(Optional.empty(), client.subjectCompatibility("loose-value"));
        assertEquals(CompatibilityLevel.NONE, client.setSubjectCompatibility("loose-value", CompatibilityLevel.NONE));
        assertEquals(Optional.of(CompatibilityLevel.NONE), client.subjectCompatibility("loose-value"));
        assertEquals(CompatibilityLevel.BACKWARD, client.globalCompatibility(), "subject config leaves global alone");

        int id = client.register("loose-value", breaking);
        assertEquals(id, client.latest("loose-value").id());
        assertEquals(2, client.latest("loose-value").version());

        client.clearSubjectCompatibility("loose-value");
        assertEquals(Optional.empty(), client.subjectCompatibility("loose-value"));
    }

    @Test
    void errorsCarryConfluentCodesAndStatuses() throws Exception {
        assertError(404, 40401, () -> client.latest("no-such-subject"));
        assertError(404, 40403, () -> client.schemaById(987_654));
        assertError(422, 42201, () -> client.register("bad-value", "{\"type\": \"record\", \"name\": \"X\"}"));
        client.register("errs-value", JobFailed.getClassSchema());
        assertError(404, 40402, () -> client.version("errs-value", 7));
        assertError(404, 40403, () -> client.lookup("errs-value", TrainingProgress.getClassSchema()));
        HttpResponse<String> noSubjectConfig = http("GET", "/config/errs-value", null);
        assertEquals(404, noSubjectConfig.statusCode());
        assertEquals(40408, JSON.readTree(noSubjectConfig.body()).get("error_code").asInt());
        assertEquals("BACKWARD", JSON.readTree(http("GET", "/config/errs-value?defaultToGlobal=true", null).body())
                .get("compatibilityLevel").asText());

        HttpResponse<String> badVersion = http("GET", "/subjects/errs-value/versions/zero", null);
        assertEquals(422, badVersion.statusCode());
        assertEquals(42202, JSON.readTree(badVersion.body()).get("error_code").asInt());

        HttpResponse<String> badLevel = http("PUT", "/config/errs-value", "{\"compatibility\": \"SIDEWAYS\"}");
        assertEquals(422, badLevel.statusCode());
        assertEquals(42203, JSON.readTree(badLevel.body()).get("error_code").asInt());
        assertTrue(badLevel.body().contains("SIDEWAYS"), badLevel.body());

        HttpResponse<String> notAvro = http("POST", "/subjects/errs-value/versions",
                "{\"schemaType\": \"PROTOBUF\", \"schema\": \"syntax = \\\"proto3\\\";\"}");
        assertEquals(422, notAvro.statusCode());
        assertEquals(42201, JSON.readTree(notAvro.body()).get("error_code").asInt());

        HttpResponse<String> unknownRoute = http("GET", "/nowhere", null);
        assertEquals(404, unknownRoute.statusCode());
        assertEquals(SchemaRegistryClient.CONTENT_TYPE, unknownRoute.headers().firstValue("Content-Type").orElseThrow());
    }

    @Test
    void theFrameworksRefusalsAnswerInConfluentsErrorShape() throws Exception {
        HttpResponse<String> wrongMethod = http("PATCH", "/subjects", null);
        assertEquals(405, wrongMethod.statusCode());
        assertEquals(405, JSON.readTree(wrongMethod.body()).get("error_code").asInt());
        assertEquals(SchemaRegistryClient.CONTENT_TYPE, wrongMethod.headers().firstValue("Content-Type").orElseThrow());

        // the body limit is the server's configuration, checked before the registry parses anything
        String huge = "{\"schema\": \"" + "x".repeat((int) LocalSchemaRegistry.MAX_REQUEST_BYTES) + "\"}";
        HttpResponse<String> tooLarge = http("POST", "/subjects/huge-value/versions", huge);
        assertEquals(413, tooLarge.statusCode());
        assertEquals(413, JSON.readTree(tooLarge.body()).get("error_code").asInt());
        assertFalse(client.subjects().contains("huge-value"));
    }

    @Test
    void softThenPermanentDeleteOfASubject() {
        int id = client.register("gone-value", TrainingProgress.getClassSchema());
        assertError(404, 40405, () -> client.deleteSubject("gone-value", true));
        assertEquals(List.of(1), client.deleteSubject("gone-value"));
        assertFalse(client.subjects().contains("gone-value"));
        assertError(404, 40401, () -> client.latest("gone-value"));
        assertEquals(TrainingProgress.getClassSchema(), new SchemaRegistryClient(registry.url()).schemaById(id),
                "ids stay resolvable after a soft delete: old records must still decode");
        assertEquals(List.of(1), client.deleteSubject("gone-value", true));
        int again = client.register("gone-value", TrainingProgress.getClassSchema());
        assertEquals(id, again, "a schema the registry has seen keeps its id");
    }

    @Test
    void schemasTopicIsCompactedAndHoldsConfluentShapedRecords() throws Exception {
        int id = client.register("topic-shape-value", JobFailed.getClassSchema());
        client.setSubjectCompatibility("topic-shape-value", CompatibilityLevel.FULL);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap()))) {
            TopicDescription d = admin.describeTopics(Set.of(Topics.SCHEMAS)).allTopicNames().get().get(Topics.SCHEMAS);
            assertEquals(1, d.partitions().size());
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SCHEMAS);
            assertEquals("compact", admin.describeConfigs(Set.of(r)).all().get().get(r).get("cleanup.policy").value());
        }
        List<ConsumerRecord<String, String>> records = readSchemasTopic();
        JsonNode schemaKey = null;
        JsonNode schemaValue = null;
        JsonNode configValue = null;
        for (ConsumerRecord<String, String> rec : records) {
            JsonNode key = JSON.readTree(rec.key());
            if ("topic-shape-value".equals(key.path("subject").asText())) {
                if (key.path("keytype").asText().equals("SCHEMA")) {
                    schemaKey = key;
                    schemaValue = JSON.readTree(rec.value());
                } else if (key.path("keytype").asText().equals("CONFIG")) {
                    configValue = JSON.readTree(rec.value());
                    assertEquals(0, key.get("magic").asInt());
                }
            }
        }
        assertTrue(schemaKey != null && schemaValue != null && configValue != null, "records present: " + records.size());
        assertEquals(1, schemaKey.get("version").asInt());
        assertEquals(1, schemaKey.get("magic").asInt());
        assertEquals(id, schemaValue.get("id").asInt());
        assertEquals(1, schemaValue.get("version").asInt());
        assertFalse(schemaValue.get("deleted").asBoolean());
        assertEquals(JobFailed.getClassSchema(), AvroSchemas.parse(schemaValue.get("schema").asText()));
        assertEquals("FULL", configValue.get("compatibilityLevel").asText());
    }

    @Test
    void restartRebuildsTheSameIdsFromTheTopic() {
        String subject = "restart-value";
        int idV1 = client.register(subject, JobFailed.getClassSchema());
        Schema v2 = TestEvents.withExtraField(JobFailed.getClassSchema(), "attempt", Schema.create(Schema.Type.INT), 1);
        int idV2 = client.register(subject, v2);
        client.setSubjectCompatibility(subject, CompatibilityLevel.FORWARD);
        List<String> subjectsBefore = client.subjects();

        registry.close();
        long t0 = System.nanoTime();
        registry = LocalSchemaRegistry.start(kafka.bootstrap(), 0);
        System.out.printf("registry restart (replay of _schemas): %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        client = new SchemaRegistryClient(registry.url());

        assertEquals(subjectsBefore, client.subjects());
        assertEquals(JobFailed.getClassSchema(), client.schemaById(idV1));
        assertEquals(v2, client.schemaById(idV2));
        assertEquals(idV1, client.register(subject, JobFailed.getClassSchema()), "re-registering after restart: same id");
        assertEquals(List.of(1, 2), client.versions(subject));
        assertEquals(Optional.of(CompatibilityLevel.FORWARD), client.subjectCompatibility(subject));
        int fresh = client.register("restart-new-value", TestEvents.withExtraField(
                JobFailed.getClassSchema(), "brandNew", Schema.create(Schema.Type.STRING), "x"));
        assertTrue(fresh > idV2, "ids keep growing after a restart, never reused: " + fresh + " vs " + idV2);
    }

    private static List<ConsumerRecord<String, String>> readSchemasTopic() {
        TopicPartition p = new TopicPartition(Topics.SCHEMAS, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap()), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            long end = consumer.endOffsets(List.of(p)).get(p);
            List<ConsumerRecord<String, String>> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (consumer.position(p) < end && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    private static void assertError(int status, int code, Executable call) {
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, call);
        assertEquals(status, e.httpStatus(), e.getMessage());
        assertEquals(code, e.errorCode(), e.getMessage());
    }

    private static HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(registry.url() + path))
                .header("Content-Type", SchemaRegistryClient.CONTENT_TYPE);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}

package dev.cdiff.embedded.registry;

import dev.cdiff.platform.registry.CompatibilityLevel;
import dev.cdiff.platform.registry.RegistryError;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.registry.SchemaRegistryException;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The compatibility levels and the single-writer rules, on a registry over an in-memory log (real HTTP, no broker:
 * the Kafka-backed log is covered by LocalSchemaRegistryTest).
 */
class CompatibilityLevelsTest {
    private static final Schema V1_A_INT = record("{\"name\":\"a\",\"type\":\"int\"}");
    private static final Schema V2_EMPTY = record("");
    private static final Schema V3_A_STRING = record("{\"name\":\"a\",\"type\":\"string\",\"default\":\"\"}");
    private static final Schema V2_REQUIRED_B = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"int\"}");

    private InMemoryRegistryLog log;
    private LocalSchemaRegistry registry;
    private SchemaRegistryClient client;

    @BeforeEach
    void start() {
        log = new InMemoryRegistryLog();
        registry = LocalSchemaRegistry.startInMemory(log, 0);
        client = new SchemaRegistryClient(registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[" + fields + "]}");
    }

    @Test
    void backwardChecksOnlyTheLatestButTransitiveChecksAll() {
        client.register("plain-value", V1_A_INT);
        client.register("plain-value", V2_EMPTY);
        client.register("plain-value", V3_A_STRING);
        assertEquals(List.of(1, 2, 3), client.versions("plain-value"));

        client.setSubjectCompatibility("transitive-value", CompatibilityLevel.BACKWARD_TRANSITIVE);
        client.register("transitive-value", V1_A_INT);
        client.register("transitive-value", V2_EMPTY);
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> client.register("transitive-value", V3_A_STRING));
        assertEquals(RegistryError.INCOMPATIBLE_SCHEMA, e.error());
    }

    @Test
    void forwardAndFullLookTheOtherWay() {
        client.setSubjectCompatibility("fwd-value", CompatibilityLevel.FORWARD);
        client.register("fwd-value", V1_A_INT);
        client.register("fwd-value", V2_REQUIRED_B);

        client.register("bwd-value", V1_A_INT);
        assertThrows(SchemaRegistryException.class, () -> client.register("bwd-value", V2_REQUIRED_B));

        client.setSubjectCompatibility("full-value", CompatibilityLevel.FULL);
        client.register("full-value", V1_A_INT);
        assertThrows(SchemaRegistryException.class, () -> client.register("full-value", V2_REQUIRED_B));
        assertThrows(SchemaRegistryException.class, () -> client.register("full-value", V2_EMPTY),
                "FULL: the old reader of 'a' has no default for it");

        client.setGlobalCompatibility(CompatibilityLevel.NONE);
        client.register("bwd-value", V2_REQUIRED_B);
        assertEquals(CompatibilityLevel.NONE, client.globalCompatibility());
    }

    @Test
    void concurrentRegistrationsGetOneIdPerSchemaAndRestartReplaysThem() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> same = new ArrayList<>();
        List<Future<Integer>> distinct = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                same.add(pool.submit(() -> new SchemaRegistryClient(registry.url()).register("race-value", V1_A_INT)));
                int n = i;
                distinct.add(pool.submit(() -> new SchemaRegistryClient(registry.url())
                        .register("race-" + n + "-value", record("{\"name\":\"f" + n + "\",\"type\":\"int\"}"))));
            }
            Set<Integer> sameIds = new HashSet<>();
            for (Future<Integer> f : same) {
                sameIds.add(f.get());
            }
            Set<Integer> distinctIds = new HashSet<>();
            for (Future<Integer> f : distinct) {
                distinctIds.add(f.get());
            }
            assertEquals(1, sameIds.size());
            assertEquals(16, distinctIds.size());
            assertEquals(List.of(1), client.versions("race-value"));
            distinctIds.retainAll(sameIds);
            assertEquals(Set.of(), distinctIds);
        } finally {
            pool.shutdownNow();
        }

        int id = client.register("race-value", V1_A_INT);
        registry.close();
        registry = LocalSchemaRegistry.startInMemory(log, 0);
        client = new SchemaRegistryClient(registry.url());
        assertEquals(V1_A_INT, client.schemaById(id));
        assertEquals(17, client.subjects().size());
    }
}

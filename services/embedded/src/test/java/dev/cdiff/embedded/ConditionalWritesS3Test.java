package dev.cdiff.embedded;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compare-and-swap writes leases and the audit chain rely on, against the S3Proxy filesystem store the local
 * stack runs: racing creates have one winner, and a write or delete on a stale ETag is refused.
 */
class ConditionalWritesS3Test {
    @TempDir
    static Path workspace;
    static EmbeddedS3 s3;
    static ArtifactStore store;

    @BeforeAll
    static void startS3() {
        s3 = new EmbeddedS3(workspace.resolve("s3")).start();
        store = ArtifactStore.fromConfig(ServiceConfig.of(Map.of(
                ServiceConfig.S3_ENDPOINT, s3.endpoint(),
                ServiceConfig.S3_ACCESS_KEY, s3.accessKey(),
                ServiceConfig.S3_SECRET_KEY, s3.secretKey(),
                ServiceConfig.S3_BUCKET, "leases"))).ensureBucket();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void ofEightRacingCreatesExactlyOneWinsEveryRound() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                String key = "leases/race-" + round + ".json";
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Optional<String>>> results = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    byte[] body = ("{\"holder\":\"w" + w + "\"}").getBytes(StandardCharsets.UTF_8);
                    results.add(pool.submit(() -> {
                        go.await();
                        return store.createIfAbsent(key, body, "application/json");
                    }));
                }
                go.countDown();
                int winners = 0;
                for (Future<Optional<String>> r : results) {
                    winners += r.get().isPresent() ? 1 : 0;
                }
                assertEquals(1, winners, "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWriteOrDeleteOnAStaleEtagIsRefused() {
        String key = "leases/cas.json";
        String first = store.createIfAbsent(key, bytes("v1"), "application/json").orElseThrow();
        assertEquals(first, store.getVersioned(key).orElseThrow().etag());
        String second = store.replaceIfMatch(key, bytes("v2"), "application/json", first).orElseThrow();
        assertFalse(store.replaceIfMatch(key, bytes("v3"), "application/json", first).isPresent(), "stale ETag");
        assertFalse(store.deleteIfMatch(key, first), "stale ETag");
        assertEquals("v2", new String(store.getVersioned(key).orElseThrow().content(), StandardCharsets.UTF_8));
        assertTrue(store.deleteIfMatch(key, second));
        assertFalse(store.exists(key));
        assertFalse(store.createIfAbsent("leases/cas.json", bytes("v4"), "application/json").isEmpty());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

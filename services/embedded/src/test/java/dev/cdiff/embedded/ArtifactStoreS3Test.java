package dev.cdiff.embedded;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.idempotency.HandledEvent;
import dev.cdiff.platform.idempotency.IdempotencyConflictException;
import dev.cdiff.platform.idempotency.S3IdempotencyStore;
import dev.cdiff.platform.store.ArtifactIntegrityException;
import dev.cdiff.platform.store.ArtifactNotFoundException;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ArtifactStoreException;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.platform.store.Sha256;
import dev.cdiff.platform.store.StoredArtifact;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArtifactStoreS3Test {

    @TempDir
    static Path workspace;
    static EmbeddedS3 s3;
    static ArtifactStore store;

    @BeforeAll
    static void startS3() {
        s3 = new EmbeddedS3(workspace.resolve("s3")).start();
        store = ArtifactStore.fromConfig(config(s3.secretKey())).ensureBucket();
    }

    @AfterAll
    static void stopS3() {
        s3.stop();
    }

    static ServiceConfig config(String secret) {
        return ServiceConfig.of(Map.of(
                ServiceConfig.S3_ENDPOINT, s3.endpoint(),
                ServiceConfig.S3_ACCESS_KEY, s3.accessKey(),
                ServiceConfig.S3_SECRET_KEY, secret,
                ServiceConfig.S3_BUCKET, "artifacts"));
    }

    @Test
    void bytesRoundTripUnderTheirDigest() {
        byte[] image = "not really a png".getBytes(StandardCharsets.UTF_8);
        StoredArtifact stored = store.put("acme", "images", image, "png", "image/png");
        assertEquals(Sha256.hex(image), stored.sha256());
        assertEquals("tenants/acme/images/" + stored.sha256() + ".png", stored.key());
        assertEquals(image.length, stored.sizeBytes());
        assertArrayEquals(image, store.getBytes(stored.key()));
        assertArrayEquals(image, store.getVerified(stored));
        assertTrue(store.exists(stored.key()));
        assertEquals(image.length, store.stat(stored.key()).orElseThrow().sizeBytes());
        assertEquals(stored, StoredArtifact.fromRef(stored.toRef()));

        StoredArtifact again = store.put("acme", "images", image.clone(), "png", "image/png");
        assertEquals(stored, again, "equal bytes get the same key");
        StoredArtifact other = store.put("acme", "images", "different".getBytes(StandardCharsets.UTF_8), "png", "image/png");
        assertNotEquals(stored.key(), other.key());
    }

    @Test
    void streamsAndFilesAreContentAddressedLikeBytes(@TempDir Path dir) throws Exception {
        byte[] blob = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(blob);
        StoredArtifact fromStream = store.put("acme", "deltas", new ByteArrayInputStream(blob), "safetensors",
                "application/octet-stream");
        Path file = dir.resolve("delta.bin");
        Files.write(file, blob);
        StoredArtifact fromFile = store.put("acme", "deltas", file, "safetensors", "application/octet-stream");
        assertEquals(fromStream, fromFile);
        assertEquals(Sha256.hex(blob), fromFile.sha256());

        Path copy = store.download(fromFile.key(), dir.resolve("out/copy.bin"));
        assertArrayEquals(blob, Files.readAllBytes(copy));
    }

    @Test
    void largeFilesGoUpInPartsAndComeBackIntact(@TempDir Path dir) throws Exception {
        byte[] blob = new byte[40 * 1024 * 1024 + 5]; // above the 16 MiB part size: a multipart upload
        new Random(11).nextBytes(blob);
        Path file = dir.resolve("checkpoint.bin");
        Files.write(file, blob);
        long t0 = System.nanoTime();
        StoredArtifact stored = store.put("acme", "checkpoints/job-1", file, "safetensors", "application/octet-stream");
        long putMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(blob.length, store.stat(stored.key()).orElseThrow().sizeBytes());
        Path back = store.download(stored.key(), dir.resolve("back.bin"));
        assertEquals(Sha256.hex(blob), Sha256.hex(back));
        // another tenant, so the streamed copy is really uploaded (in parts) rather than found present
        StoredArtifact fromStream = store.put("other", "checkpoints/job-1", new ByteArrayInputStream(blob),
                "safetensors", "application/octet-stream");
        assertEquals(stored.sha256(), fromStream.sha256());
        assertEquals(blob.length, store.stat(fromStream.key()).orElseThrow().sizeBytes());
        assertEquals(Sha256.hex(blob), Sha256.hex(store.getBytes(fromStream.key())));
        System.out.printf("40 MiB artifact: put %d ms%n", putMs);
    }

    @Test
    void listingIsByPrefixAndTamperingIsDetected() {
        StoredArtifact a = store.put("lister", "images", new byte[] {1}, "png", "image/png");
        StoredArtifact b = store.put("lister", "images", new byte[] {2}, "png", "image/png");
        store.put("lister", "captions", new byte[] {3}, "txt", "text/plain");
        store.put("someone-else", "images", new byte[] {4}, "png", "image/png");
        List<String> keys = store.list("tenants/lister/images/").stream().map(ObjectSummary::key).toList();
        assertEquals(List.of(a.key(), b.key()).stream().sorted().toList(), keys);

        // overwrite an addressed object behind the store's back: readers must notice
        store.putAt(a.key(), new byte[] {9}, "image/png");
        assertThrows(ArtifactIntegrityException.class, () -> store.getVerified(a));
    }

    @Test
    void s3ErrorsBecomeClearExceptions() {
        ArtifactNotFoundException missing = assertThrows(ArtifactNotFoundException.class,
                () -> store.getBytes("tenants/acme/images/nothing-here"));
        assertTrue(missing.getMessage().contains("artifacts/tenants/acme/images/nothing-here"), missing.getMessage());
        assertFalse(store.exists("tenants/acme/images/nothing-here"));

        ArtifactStore intruder = ArtifactStore.fromConfig(config("wrong-secret"));
        ArtifactStoreException refused = assertThrows(ArtifactStoreException.class,
                () -> intruder.put("acme", "images", new byte[] {5}, "png", "image/png"));
        assertTrue(refused.getMessage().contains("S3_SECRET_KEY"), refused.getMessage());

        ArtifactStore noBucket = ArtifactStore.fromConfig(config(s3.secretKey()).with(ServiceConfig.S3_BUCKET, "absent"));
        ArtifactStoreException nb = assertThrows(ArtifactStoreException.class,
                () -> noBucket.put("acme", "images", new byte[] {6}, "png", "image/png"));
        assertTrue(nb.getMessage().contains("absent"), nb.getMessage());
    }

    @Test
    void idempotencyMarkersPersistPerServiceTenantAndEvent() {
        S3IdempotencyStore markers = new S3IdempotencyStore(store);
        HandledEvent event = new HandledEvent("acme", "evt-1", "a".repeat(64));
        assertFalse(markers.isProcessed("training", event));
        markers.markProcessed("training", event, "training-requested-0@4");
        assertTrue(markers.isProcessed("training", event));
        assertFalse(markers.isProcessed("sampling", event), "markers are per service");
        assertFalse(markers.isProcessed("training", new HandledEvent("other", "evt-1", "a".repeat(64))),
                "markers are per tenant: another tenant's event with the same id is not a duplicate");
        IdempotencyConflictException conflict = assertThrows(IdempotencyConflictException.class,
                () -> markers.isProcessed("training", new HandledEvent("acme", "evt-1", "b".repeat(64))));
        assertTrue(conflict.getMessage().contains("another payload"), conflict.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> markers.markProcessed("training", new HandledEvent("acme", "odd id/with:chars", "c"), ""));
        assertThrows(IllegalArgumentException.class,
                () -> markers.isProcessed("training", new HandledEvent("../acme", "evt-1", "c")));
        String marker = new String(store.getBytes(S3IdempotencyStore.markerKey("training", "acme", "evt-1")),
                StandardCharsets.UTF_8);
        assertTrue(marker.contains("training-requested-0@4") && marker.contains("a".repeat(64)), marker);
    }
}

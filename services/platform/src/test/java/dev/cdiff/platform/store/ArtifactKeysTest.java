package dev.cdiff.platform.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArtifactKeysTest {

    @Test
    void contentKeyIsDerivedFromTheDigest() {
        String sha = Sha256.hex("abc".getBytes(StandardCharsets.UTF_8));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha);
        String key = ArtifactKeys.contentKey("acme", "checkpoints/job-7", sha, ".safetensors");
        assertEquals("tenants/acme/checkpoints/job-7/" + sha + ".safetensors", key);
        assertEquals(sha, ArtifactKeys.digestOf(key));
        assertNull(ArtifactKeys.digestOf("tenants/acme/latest.json"));
    }

    @Test
    void unsafeNamesAreRefused() {
        String sha = "0".repeat(64);
        assertThrows(IllegalArgumentException.class, () -> ArtifactKeys.contentKey("../x", "images", sha, null));
        assertThrows(IllegalArgumentException.class, () -> ArtifactKeys.contentKey("acme", "images/../../x", sha, null));
        assertThrows(IllegalArgumentException.class, () -> ArtifactKeys.contentKey("acme", "images", "ABC", null));
        assertThrows(IllegalArgumentException.class, () -> ArtifactKeys.contentKey("acme", "images", sha, "p/ng"));
    }
}

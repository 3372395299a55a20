package dev.cdiff.platform.store;

import dev.cdiff.schemas.events.ArtifactRef;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArtifactOwnershipTest {
    private static final String SHA = "c".repeat(64);
    private final ArtifactOwnership ownership = new ArtifactOwnership("cdiff-artifacts");

    static ArtifactRef ref(String bucket, String key) {
        return ArtifactRef.newBuilder().setBucket(bucket).setKey(key).setSha256(SHA).setSizeBytes(3)
                .setMediaType("image/png").build();
    }

    @Test
    void theTenantsOwnKeyInTheConfiguredBucketIsReadable() {
        StoredArtifact a = ownership.owned("local", ref("cdiff-artifacts", "tenants/local/images/" + SHA + ".png"), "image 1");
        assertEquals("tenants/local/images/" + SHA + ".png", a.key());
    }

    @Test
    void anotherTenantsKeyIsForeignEvenWhenItSharesAPrefix() {
        ForeignArtifactException other = assertThrows(ForeignArtifactException.class,
                () -> ownership.owned("local", ref("cdiff-artifacts", "tenants/other/images/" + SHA), "image 1"));
        assertTrue(other.getMessage().contains("does not belong to tenant local"), other.getMessage());
        assertThrows(ForeignArtifactException.class,
                () -> ownership.owned("local", ref("cdiff-artifacts", "tenants/local-2/images/" + SHA), "image 1"));
        assertThrows(ForeignArtifactException.class,
                () -> ownership.owned("local", ref("cdiff-artifacts", "tenants/local/../other/images/" + SHA), "image 1"));
    }

    @Test
    void anotherBucketIsNeverRead() {
        ForeignArtifactException e = assertThrows(ForeignArtifactException.class,
                () -> ownership.owned("local", ref("someone-elses", "tenants/local/images/" + SHA), "delta 1"));
        assertTrue(e.getMessage().contains("only this deployment's artifact bucket cdiff-artifacts"), e.getMessage());
        assertThrows(ForeignArtifactException.class,
                () -> ownership.ownedKey("local", "someone-elses", "tenants/local/uploads/a.png", "source"));
    }

    @Test
    void theSharedAreaOnlyWhereTheCallerAllowsIt() {
        ArtifactRef shared = ref("cdiff-artifacts", "shared/class-images/" + SHA + ".png");
        assertThrows(ForeignArtifactException.class, () -> ownership.owned("local", shared, "delta"));
        assertEquals(shared.getKey(), ownership.ownedOrShared("local", shared, "regularization image").key());
    }
}

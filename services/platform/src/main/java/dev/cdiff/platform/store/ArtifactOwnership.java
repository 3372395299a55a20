package dev.cdiff.platform.store;

import dev.cdiff.platform.ids.Ids;
import dev.cdiff.schemas.events.ArtifactRef;

/**
 * The one tenant-ownership check of reads: a tenant's request may read only objects in the configured artifact
 * bucket, and only below {@code tenants/<its own tenant id>/} (plus, where the caller allows it, the {@code shared/}
 * area, which holds the public class images and nothing of any tenant). Ownership is decided on the parsed key, never
 * by a prefix test, so {@code tenants/acme/../other/x} is not acme's.
 */
public final class ArtifactOwnership {
    private final String bucket;

    public ArtifactOwnership(String bucket) {
        this.bucket = Ids.bucket("configured bucket", bucket);
    }

    /** The artifact, when it is the tenant's own; else {@link ForeignArtifactException} saying why. */
    public StoredArtifact owned(String tenant, ArtifactRef ref, String what) {
        check(tenant, ref.getBucket(), ref.getKey(), what, false);
        return StoredArtifact.fromRef(ref);
    }

    /** As {@link #owned}, but an object of the shared area is accepted too. */
    public StoredArtifact ownedOrShared(String tenant, ArtifactRef ref, String what) {
        check(tenant, ref.getBucket(), ref.getKey(), what, true);
        return StoredArtifact.fromRef(ref);
    }

    /** The key, when {@code bucket/key} is the tenant's own object; for keys named outside an ArtifactRef. */
    public String ownedKey(String tenant, String bucket, String key, String what) {
        check(tenant, bucket, key, what, false);
        return key;
    }

    private void check(String tenant, String refBucket, String key, String what, boolean sharedAllowed) {
        Ids.tenantId("tenant", tenant);
        if (!bucket.equals(refBucket)) {
            throw new ForeignArtifactException(what + " (" + shown(refBucket) + "/" + shown(key) + ") is in bucket "
                    + shown(refBucket) + "; only this deployment's artifact bucket " + bucket + " is ever read");
        }
        String owner;
        try {
            owner = Ids.tenantOfKey(what, key);
        } catch (IllegalArgumentException e) {
            throw new ForeignArtifactException(what + " (" + shown(key) + ") does not belong to tenant " + tenant
                    + ": " + e.getMessage());
        }
        if (owner == null ? !sharedAllowed : !owner.equals(tenant)) {
            throw new ForeignArtifactException(what + " (" + shown(key) + ") does not belong to tenant " + tenant
                    + "; a request may read only keys under " + ArtifactKeys.tenantPrefix(tenant)
                    + (sharedAllowed ? " or " + Ids.SHARED_AREA : ""));
        }
    }

    private static String shown(String value) {
        return value == null ? "null" : Ids.printable(value);
    }
}

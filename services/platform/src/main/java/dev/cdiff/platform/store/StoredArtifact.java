package dev.cdiff.platform.store;

import dev.cdiff.schemas.events.ArtifactRef;

/** An immutable object in the artifact store, named by the SHA-256 of its bytes. */
public record StoredArtifact(String bucket, String key, String sha256, long sizeBytes, String mediaType) {

    public ArtifactRef toRef() {
        return ArtifactRef.newBuilder()
                .setBucket(bucket).setKey(key).setSha256(sha256).setSizeBytes(sizeBytes).setMediaType(mediaType)
                .build();
    }

    public static StoredArtifact fromRef(ArtifactRef ref) {
        return new StoredArtifact(ref.getBucket(), ref.getKey(), ref.getSha256(), ref.getSizeBytes(), ref.getMediaType());
    }
}

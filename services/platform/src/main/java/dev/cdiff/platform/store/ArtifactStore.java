package dev.cdiff.platform.store;

import dev.cdiff.platform.config.ServiceConfig;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ObjectWriteResponse;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Artifacts in one S3 bucket (MinIO in production, S3Proxy locally), written once under keys derived from
 * their SHA-256 so any event naming a digest can be replayed. Every S3 failure surfaces as an
 * {@link ArtifactStoreException} naming the bucket, key and S3 error code.
 */
public final class ArtifactStore {

    private static final Set<String> NOT_FOUND = Set.of("NoSuchKey", "NoSuchBucket", "NoSuchObject", "NotFound");
    /** What S3 answers when a conditional write's condition no longer holds (412, or 409 on a racing create). */
    private static final Set<String> CONDITION_LOST = Set.of("PreconditionFailed", "ConditionalRequestConflict",
            "NoSuchKey");
    private static final long PART_SIZE = 16L * 1024 * 1024;

    private final MinioClient client;
    private final String bucket;
    private final String endpoint;

    public ArtifactStore(MinioClient client, String bucket, String endpointForMessages) {
        this.client = client;
        this.bucket = bucket;
        this.endpoint = endpointForMessages;
    }

    public static ArtifactStore fromConfig(ServiceConfig config) {
        MinioClient client = MinioClient.builder()
                .endpoint(config.s3Endpoint())
                .credentials(config.s3AccessKey(), config.s3SecretKey())
                .region(config.s3Region())
                .build();
        return new ArtifactStore(client, config.s3Bucket(), config.s3Endpoint());
    }

    public String bucket() {
        return bucket;
    }

    /** The tenant-ownership check of this store's bucket; every read a tenant's request causes goes through it. */
    public ArtifactOwnership ownership() {
        return new ArtifactOwnership(bucket);
    }

    /** Creates the bucket if it does not exist yet; safe to call from every service at start. */
    public ArtifactStore ensureBucket() {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
            return this;
        } catch (ErrorResponseException e) {
            if ("BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                return this;
            }
            throw translate("create bucket", "", e);
        } catch (Exception e) {
            throw translate("create bucket", "", e);
        }
    }

    /** Stores bytes under {@code tenants/<tenant>/<kind>/<sha256>[.ext]}; storing equal bytes again is a no-op. */
    public StoredArtifact put(String tenant, String kind, byte[] content, String extension, String mediaType) {
        String sha = Sha256.hex(content);
        String key = ArtifactKeys.contentKey(tenant, kind, sha, extension);
        StoredArtifact artifact = new StoredArtifact(bucket, key, sha, content.length, mediaType);
        if (!alreadyStored(artifact)) {
            putObject(key, new ByteArrayInputStream(content), content.length, mediaType);
        }
        return artifact;
    }

    /** Stores a file's content, content-addressed; the file is hashed first, then uploaded in parts. */
    public StoredArtifact put(String tenant, String kind, Path file, String extension, String mediaType) {
        try {
            String sha = Sha256.hex(file);
            String key = ArtifactKeys.contentKey(tenant, kind, sha, extension);
            StoredArtifact artifact = new StoredArtifact(bucket, key, sha, Files.size(file), mediaType);
            if (!alreadyStored(artifact)) {
                client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key)
                        .filename(file.toString(), PART_SIZE).contentType(mediaType).build());
            }
            return artifact;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to store it", e);
        } catch (ArtifactStoreException e) {
            throw e;
        } catch (Exception e) {
            throw translate("upload", file.toString(), e);
        }
    }

    /** Stores a stream's content, content-addressed; it is spooled to a temporary file to learn its digest first. */
    public StoredArtifact put(String tenant, String kind, InputStream content, String extension, String mediaType) {
        Path spool = null;
        try {
            spool = Files.createTempFile("cdiff-artifact-", ".part");
            MessageDigest digest = Sha256.newDigest();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(spool), digest)) {
                content.transferTo(out);
            }
            String sha = HexFormat.of().formatHex(digest.digest());
            String key = ArtifactKeys.contentKey(tenant, kind, sha, extension);
            StoredArtifact artifact = new StoredArtifact(bucket, key, sha, Files.size(spool), mediaType);
            if (!alreadyStored(artifact)) {
                try (InputStream in = Files.newInputStream(spool)) {
                    putObject(key, in, artifact.sizeBytes(), mediaType);
                }
            }
            return artifact;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spool artifact stream for tenant " + tenant + ", kind " + kind, e);
        } finally {
            if (spool != null) {
                try {
                    Files.deleteIfExists(spool);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless; the upload outcome is what matters
                }
            }
        }
    }

    /**
     * Writes bytes under a caller-chosen key (markers, manifests, "latest" pointers). Such objects are not
     * content-addressed; prefer {@link #put} for anything an event refers to.
     */
    public void putAt(String key, byte[] content, String mediaType) {
        putObject(key, new ByteArrayInputStream(content), content.length, mediaType);
    }

    private boolean alreadyStored(StoredArtifact artifact) {
        return stat(artifact.key()).map(s -> s.sizeBytes() == artifact.sizeBytes()).orElse(false);
    }

    private void putObject(String key, InputStream in, long size, String mediaType) {
        try {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(in, size, size > PART_SIZE ? PART_SIZE : -1)
                    .contentType(mediaType == null ? "application/octet-stream" : mediaType).build());
        } catch (Exception e) {
            throw translate("put", key, e);
        }
    }

    /** Opens an object for reading; the caller closes the stream. */
    public InputStream open(String key) {
        try {
            return client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (Exception e) {
            throw translate("get", key, e);
        }
    }

    public byte[] getBytes(String key) {
        try (InputStream in = open(key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw translate("read", key, e);
        }
    }

    /** Reads an artifact and checks that its bytes still hash to the digest it was stored under. */
    public byte[] getVerified(StoredArtifact artifact) {
        byte[] bytes = getBytes(artifact.key());
        String actual = Sha256.hex(bytes);
        if (!actual.equals(artifact.sha256())) {
            throw new ArtifactIntegrityException("object " + bucket + "/" + artifact.key() + " hashes to " + actual
                    + " but was referenced as " + artifact.sha256());
        }
        return bytes;
    }

    /** Downloads to a file (replacing it), verifying the digest when the key is content-addressed. */
    public Path download(String key, Path target) {
        try {
            Path parent = target.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path partial = Files.createTempFile(parent, ".download-", ".part");
            MessageDigest digest = Sha256.newDigest();
            try (InputStream in = open(key); OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), digest)) {
                in.transferTo(out);
            }
            String expected = ArtifactKeys.digestOf(key);
            String actual = HexFormat.of().formatHex(digest.digest());
            if (expected != null && !expected.equals(actual)) {
                Files.deleteIfExists(partial);
                throw new ArtifactIntegrityException("object " + bucket + "/" + key + " hashes to " + actual);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot download " + bucket + "/" + key + " to " + target, e);
        }
    }

    public boolean exists(String key) {
        return stat(key).isPresent();
    }

    /** Size and time of an object, or empty when it does not exist. */
    public Optional<ObjectSummary> stat(String key) {
        try {
            StatObjectResponse s = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return Optional.of(new ObjectSummary(key, s.size(), s.lastModified().toInstant()));
        } catch (ErrorResponseException e) {
            if (NOT_FOUND.contains(e.errorResponse().code()) && !"NoSuchBucket".equals(e.errorResponse().code())) {
                return Optional.empty();
            }
            throw translate("stat", key, e);
        } catch (Exception e) {
            throw translate("stat", key, e);
        }
    }

    /** Every object whose key starts with the prefix, in key order. */
    public List<ObjectSummary> list(String prefix) {
        List<ObjectSummary> out = new ArrayList<>();
        try {
            for (Result<Item> result : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                Item item = result.get();
                if (!item.isDir()) {
                    out.add(new ObjectSummary(item.objectName(), item.size(),
                            item.lastModified() == null ? null : item.lastModified().toInstant()));
                }
            }
        } catch (Exception e) {
            throw translate("list", prefix + "*", e);
        }
        out.sort(java.util.Comparator.comparing(ObjectSummary::key));
        return out;
    }

    /** A small mutable object (a lease, a chain head) with the ETag S3 gave this version of it. */
    public record VersionedObject(byte[] content, String etag) {
    }

    /** Reads an object with its ETag, or empty when it does not exist. */
    public Optional<VersionedObject> getVersioned(String key) {
        try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            byte[] content = in.readAllBytes();
            return Optional.of(new VersionedObject(content, unquote(in.headers().get("ETag"))));
        } catch (ErrorResponseException e) {
            if (NOT_FOUND.contains(e.errorResponse().code()) && !"NoSuchBucket".equals(e.errorResponse().code())) {
                return Optional.empty();
            }
            throw translate("get", key, e);
        } catch (Exception e) {
            throw translate("get", key, e);
        }
    }

    /**
     * Creates the object only if no object has the key ({@code If-None-Match: *}); S3, MinIO and S3Proxy's
     * filesystem store decide this atomically, so of two racing writers exactly one wins.
     *
     * @return the new object's ETag, or empty when the key was already taken
     */
    public Optional<String> createIfAbsent(String key, byte[] content, String mediaType) {
        return conditionalPut(key, content, mediaType, "If-None-Match", "*");
    }

    /**
     * Replaces the object only if it is still the version with this ETag ({@code If-Match}).
     *
     * @return the new version's ETag, or empty when the object changed or vanished meanwhile
     */
    public Optional<String> replaceIfMatch(String key, byte[] content, String mediaType, String etag) {
        return conditionalPut(key, content, mediaType, "If-Match", quote(etag));
    }

    /** Removes the object only if it is still the version with this ETag; false when it changed or vanished. */
    public boolean deleteIfMatch(String key, String etag) {
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key)
                    .extraHeaders(java.util.Map.of("If-Match", quote(etag))).build());
            return true;
        } catch (ErrorResponseException e) {
            if (CONDITION_LOST.contains(e.errorResponse().code())) {
                return false;
            }
            throw translate("delete-if-match", key, e);
        } catch (Exception e) {
            throw translate("delete-if-match", key, e);
        }
    }

    private Optional<String> conditionalPut(String key, byte[] content, String mediaType, String header,
                                            String value) {
        try {
            ObjectWriteResponse written = client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(new ByteArrayInputStream(content), content.length, -1)
                    .contentType(mediaType == null ? "application/octet-stream" : mediaType)
                    .headers(java.util.Map.of(header, value)).build());
            return Optional.of(unquote(written.etag()));
        } catch (ErrorResponseException e) {
            if (CONDITION_LOST.contains(e.errorResponse().code())) {
                return Optional.empty();
            }
            throw translate("conditional put (" + header + ")", key, e);
        } catch (Exception e) {
            throw translate("conditional put (" + header + ")", key, e);
        }
    }

    private static String unquote(String etag) {
        return etag == null ? null : etag.replace("\"", "");
    }

    private static String quote(String etag) {
        return "\"" + etag + "\"";
    }

    /** Removes an object; removing a missing object is not an error. */
    public void delete(String key) {
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (Exception e) {
            throw translate("delete", key, e);
        }
    }

    private ArtifactStoreException translate(String operation, String key, Exception e) {
        if (e instanceof ArtifactStoreException ase) {
            return ase;
        }
        String where = "s3 " + operation + " " + bucket + "/" + key + " at " + endpoint;
        if (e instanceof ErrorResponseException ere) {
            String code = ere.errorResponse().code();
            String message = where + " failed: " + code + " (" + ere.errorResponse().message() + ")";
            if (NOT_FOUND.contains(code)) {
                return new ArtifactNotFoundException(
                        "NoSuchBucket".equals(code) ? where + " failed: bucket " + bucket + " does not exist" : message,
                        code, e);
            }
            if (Set.of("AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId").contains(code)) {
                return new ArtifactStoreException(message + "; check S3_ACCESS_KEY/S3_SECRET_KEY", code, e);
            }
            return new ArtifactStoreException(message, code, e);
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return new ArtifactStoreException(where + " failed: cannot connect to S3 endpoint " + endpoint
                    + " (is it running? check S3_ENDPOINT)", null, e);
        }
        return new ArtifactStoreException(where + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null, e);
    }
}

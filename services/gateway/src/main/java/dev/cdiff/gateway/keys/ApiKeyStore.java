package dev.cdiff.gateway.keys;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cdiff.gateway.TenantIds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Tenants and their API keys, in one JSON file the gateway owns. A key is {@code cdk_<keyId>_<secret>}: the key id
 * (16 hex digits) names the record, the secret is 256 random bits (base64url) of which only a per-key salted
 * SHA-256 is kept. A slow hash (PBKDF2, bcrypt) buys nothing here: it protects guessable passwords, and nobody
 * guesses 256 random bits. Comparison is constant-time.
 *
 * <p>The CLI ({@code ./cdiff tenant add}, {@code key create}, {@code key revoke}) edits the file while the gateway
 * runs: every write takes a lock file and replaces the file atomically, and the gateway re-reads it when its
 * modification time or size changes, so a revoked key stops working on the next request.
 */
public final class ApiKeyStore {
    public static final String KEY_PREFIX = "cdk_";
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Hashed when the key id is unknown, so an unknown id costs the same time as a wrong secret. */
    private static final byte[] DUMMY_SALT = new byte[16];

    private final Path file;
    private final Clock clock;
    private volatile Snapshot snapshot = new Snapshot(null, null, -1, new KeyFile());

    private record Snapshot(Object fileKey, FileTime modified, long size, KeyFile content) {
    }

    public ApiKeyStore(Path file) {
        this(file, Clock.systemUTC());
    }

    public ApiKeyStore(Path file, Clock clock) {
        this.file = file.toAbsolutePath();
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    /** The tenant of a presented key, or empty when it is malformed, unknown, revoked or its tenant is gone. */
    public Optional<String> authenticate(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        ParsedKey parsed = ParsedKey.parse(presented.strip()).orElse(null);
        if (parsed == null) {
            return Optional.empty();
        }
        KeyFile content = current();
        KeyRecord record = content.key(parsed.keyId()).orElse(null);
        byte[] salt = record == null ? DUMMY_SALT : Base64.getDecoder().decode(record.salt);
        byte[] expected = record == null ? new byte[32] : Base64.getDecoder().decode(record.sha256);
        boolean secretMatches = MessageDigest.isEqual(hash(salt, parsed.secret()), expected);
        if (record == null || !secretMatches || record.revokedAt != null || !content.hasTenant(record.tenant)) {
            return Optional.empty();
        }
        return Optional.of(record.tenant);
    }

    /** Adds a tenant; adding one that exists is an error, so a typo never silently shares a tenant. */
    public void addTenant(String tenant) {
        TenantIds.tenant(tenant);
        update(content -> {
            if (content.hasTenant(tenant)) {
                throw new IllegalArgumentException("tenant '" + tenant + "' exists already");
            }
            TenantRecord record = new TenantRecord();
            record.id = tenant;
            record.createdAt = clock.instant().toString();
            content.tenants.add(record);
            return content;
        });
    }

    /** A new key for an existing tenant; the returned text is the only time the secret exists outside the caller. */
    public IssuedKey createKey(String tenant) {
        String keyId = HexFormat.of().formatHex(random(8));
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random(32));
        byte[] salt = random(16);
        update(content -> {
            if (!content.hasTenant(tenant)) {
                throw new IllegalArgumentException("no tenant '" + tenant + "'; add it first with: tenant add "
                        + tenant);
            }
            KeyRecord record = new KeyRecord();
            record.keyId = keyId;
            record.tenant = tenant;
            record.salt = Base64.getEncoder().encodeToString(salt);
            record.sha256 = Base64.getEncoder().encodeToString(hash(salt, secret));
            record.createdAt = clock.instant().toString();
            content.keys.add(record);
            return content;
        });
        return new IssuedKey(keyId, tenant, KEY_PREFIX + keyId + "_" + secret);
    }

    /** Revokes a key by its id (the part after {@code cdk_}); revoking twice keeps the first time. */
    public KeyInfo revokeKey(String keyId) {
        KeyInfo[] revoked = new KeyInfo[1];
        update(content -> {
            KeyRecord record = content.key(keyId).orElseThrow(() ->
                    new IllegalArgumentException("no key with id '" + keyId + "'"));
            if (record.revokedAt == null) {
                record.revokedAt = clock.instant().toString();
            }
            revoked[0] = record.info();
            return content;
        });
        return revoked[0];
    }

    public List<String> tenants() {
        return current().tenants.stream().map(t -> t.id).toList();
    }

    /** Every key's id, tenant and times; never a secret or its hash. */
    public List<KeyInfo> keys() {
        return current().keys.stream().map(KeyRecord::info).toList();
    }

    public record IssuedKey(String keyId, String tenant, String secretText) {
        @Override
        public String toString() {
            return "IssuedKey[" + keyId + " of " + tenant + "]";
        }
    }

    public record KeyInfo(String keyId, String tenant, String createdAt, String revokedAt) {
        public boolean revoked() {
            return revokedAt != null;
        }
    }

    private record ParsedKey(String keyId, String secret) {
        static Optional<ParsedKey> parse(String text) {
            if (!text.startsWith(KEY_PREFIX) || text.length() != KEY_PREFIX.length() + 16 + 1 + 43) {
                return Optional.empty();
            }
            String keyId = text.substring(KEY_PREFIX.length(), KEY_PREFIX.length() + 16);
            String secret = text.substring(KEY_PREFIX.length() + 17);
            if (text.charAt(KEY_PREFIX.length() + 16) != '_' || !KEY_ID.matcher(keyId).matches()
                    || !SECRET.matcher(secret).matches()) {
                return Optional.empty();
            }
            return Optional.of(new ParsedKey(keyId, secret));
        }
    }

    private KeyFile current() {
        try {
            if (!Files.exists(file)) {
                return new KeyFile();
            }
            // every write replaces the file, so a new inode says "changed" even within one mtime tick
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            Snapshot s = snapshot;
            if (java.util.Objects.equals(attributes.fileKey(), s.fileKey()) && attributes.fileKey() != null
                    && attributes.lastModifiedTime().equals(s.modified()) && attributes.size() == s.size()) {
                return s.content();
            }
            KeyFile content = JSON.readValue(Files.readAllBytes(file), KeyFile.class);
            snapshot = new Snapshot(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size(), content);
            return content;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the key store " + file, e);
        }
    }

    private synchronized void update(UnaryOperator<KeyFile> change) {
        try {
            Files.createDirectories(file.getParent());
            Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                KeyFile content = Files.exists(file) ? JSON.readValue(Files.readAllBytes(file), KeyFile.class)
                        : new KeyFile();
                byte[] bytes = JSON.writeValueAsBytes(change.apply(content));
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.write(tmp, bytes);
                ownerOnly(tmp);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the key store " + file, e);
        }
    }

    private static void ownerOnly(Path path) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static byte[] hash(byte[] salt, String secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            sha.update(secret.getBytes(StandardCharsets.US_ASCII));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static byte[] random(int bytes) {
        byte[] out = new byte[bytes];
        RANDOM.nextBytes(out);
        return out;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class KeyFile {
        public int version = 1;
        public List<TenantRecord> tenants = new ArrayList<>();
        public List<KeyRecord> keys = new ArrayList<>();

        boolean hasTenant(String id) {
            return tenants.stream().anyMatch(t -> t.id.equals(id));
        }

        Optional<KeyRecord> key(String keyId) {
            return keys.stream().filter(k -> k.keyId.equals(keyId)).findFirst();
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class TenantRecord {
        public String id;
        public String createdAt;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class KeyRecord {
        public String keyId;
        public String tenant;
        /** Base64 of 16 random bytes. */
        public String salt;
        /** Base64 of SHA-256(salt || secret). */
        public String sha256;
        public String createdAt;
        public String revokedAt;

        KeyInfo info() {
            return new KeyInfo(keyId, tenant, createdAt, revokedAt);
        }
    }
}

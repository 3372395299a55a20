package dev.cdiff.embedded;

import dev.cdiff.platform.kafka.KafkaAccess;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The passwords of one workspace: one Kafka password per platform principal ({@link KafkaAccess#principals()}) and the
 * schema registry's writer credential. Made at random on first use and kept in {@code credentials.properties} (mode
 * 0600) so a restart, the CLI and the services all read the same ones; nothing is a built-in default.
 */
public final class StackCredentials {
    public static final String FILE = "credentials.properties";
    /** The registry's one writer: the services (their serializers register schemas). */
    public static final String REGISTRY_WRITER = "services";
    private static final String KAFKA = "kafka.";
    private static final String REGISTRY_PASSWORD = "registry.services";
    private static final String S3_SECRET = "s3.secret";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Map<String, String> values;

    private StackCredentials(Path file, Map<String, String> values) {
        this.file = file;
        this.values = values;
    }

    /** The workspace's credentials, made (and any missing one added) on first use. */
    public static synchronized StackCredentials loadOrCreate(Path workspace) {
        Path file = workspace.toAbsolutePath().resolve(FILE);
        Map<String, String> values = new LinkedHashMap<>();
        try {
            if (Files.exists(file)) {
                Properties p = new Properties();
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(in);
                }
                p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k)));
            }
            boolean changed = false;
            for (String principal : KafkaAccess.principals()) {
                changed |= values.putIfAbsent(KAFKA + principal, randomSecret()) == null;
            }
            changed |= values.putIfAbsent(REGISTRY_PASSWORD, randomSecret()) == null;
            changed |= values.putIfAbsent(S3_SECRET, randomSecret()) == null;
            if (changed) {
                save(file, values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the workspace credentials " + file, e);
        }
        return new StackCredentials(file, values);
    }

    /** 24 random bytes, URL-safe base64: nothing to escape in a JAAS line, a header or a properties file. */
    public static String randomSecret() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void save(Path file, Map<String, String> values) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        OwnerOnlyFiles.create(tmp);
        Properties p = new Properties();
        new TreeMap<>(values).forEach(p::setProperty);
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "generated passwords of this workspace's embedded stack; keep private");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public Path file() {
        return file;
    }

    /** The Kafka password of a platform principal. */
    public String kafkaPassword(String principal) {
        String v = values.get(KAFKA + principal);
        if (v == null) {
            throw new IllegalArgumentException("no Kafka principal '" + principal + "' in " + file);
        }
        return v;
    }

    public boolean hasKafkaPrincipal(String principal) {
        return values.containsKey(KAFKA + principal);
    }

    public String s3SecretKey() {
        return values.get(S3_SECRET);
    }

    public String registryPassword() {
        return values.get(REGISTRY_PASSWORD);
    }

    /** Every platform principal and its password. */
    public Map<String, String> kafkaPasswords() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String principal : KafkaAccess.principals()) {
            out.put(principal, kafkaPassword(principal));
        }
        return out;
    }
}

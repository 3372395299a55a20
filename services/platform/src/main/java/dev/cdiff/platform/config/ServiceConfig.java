package dev.cdiff.platform.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Settings every service reads at start: where Kafka, the schema registry and S3 are, who the service is,
 * and how its event loop retries.
 *
 * <p>Each setting has an environment-variable name (e.g. {@code KAFKA_BOOTSTRAP_SERVERS}) and an equivalent
 * properties-file key (lower case, {@code _} → {@code .}: {@code kafka.bootstrap.servers}). Environment wins over
 * the file. Extra Kafka client settings pass through with the prefix {@code KAFKA_CLIENT_}/{@code kafka.client.}
 * (e.g. {@code KAFKA_CLIENT_MAX_POLL_INTERVAL_MS=600000}).
 */
public final class ServiceConfig {

    public static final String KAFKA_BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
    public static final String SCHEMA_REGISTRY_URL = "SCHEMA_REGISTRY_URL";
    public static final String S3_ENDPOINT = "S3_ENDPOINT";
    public static final String S3_ACCESS_KEY = "S3_ACCESS_KEY";
    public static final String S3_SECRET_KEY = "S3_SECRET_KEY";
    public static final String S3_BUCKET = "S3_BUCKET";
    public static final String S3_REGION = "S3_REGION";
    public static final String SERVICE_NAME = "SERVICE_NAME";
    public static final String CONSUMER_GROUP = "CONSUMER_GROUP";
    public static final String TOPIC_PREFIX = "TOPIC_PREFIX";
    public static final String DEAD_LETTER_TOPIC = "DEAD_LETTER_TOPIC";
    public static final String MAX_ATTEMPTS = "MAX_ATTEMPTS";
    public static final String RETRY_BACKOFF_MS = "RETRY_BACKOFF_MS";
    public static final String RETRY_BACKOFF_MAX_MS = "RETRY_BACKOFF_MAX_MS";
    public static final String POLL_TIMEOUT_MS = "POLL_TIMEOUT_MS";
    public static final String WORK_DIR = "WORK_DIR";
    /** Where /health/live and /health/ready listen; port 0 picks a free one (logged), -1 turns them off. */
    public static final String HEALTH_HTTP_HOST = "HEALTH_HTTP_HOST";
    public static final String HEALTH_HTTP_PORT = "HEALTH_HTTP_PORT";
    /** An event loop that has neither polled nor been inside a handler for this long is not live. */
    public static final String LIVENESS_WINDOW_MS = "LIVENESS_WINDOW_MS";
    /** Kafka principal of this process (SASL); unset means an unauthenticated PLAINTEXT connection. */
    public static final String KAFKA_USERNAME = "KAFKA_USERNAME";
    public static final String KAFKA_PASSWORD = "KAFKA_PASSWORD";
    /** SCRAM-SHA-256 (default), SCRAM-SHA-512 or PLAIN. */
    public static final String KAFKA_SASL_MECHANISM = "KAFKA_SASL_MECHANISM";
    /** SASL_PLAINTEXT (default when a username is set) or SASL_SSL; TLS settings pass as KAFKA_CLIENT_SSL_*. */
    public static final String KAFKA_SECURITY_PROTOCOL = "KAFKA_SECURITY_PROTOCOL";
    /** HTTP Basic credentials for the schema registry; writes are refused without them. */
    public static final String SCHEMA_REGISTRY_USERNAME = "SCHEMA_REGISTRY_USERNAME";
    public static final String SCHEMA_REGISTRY_PASSWORD = "SCHEMA_REGISTRY_PASSWORD";
    /**
     * {@code true} in a real deployment: every secret must be set, and none may still be the {@code .env.example}
     * placeholder. A placeholder is refused whatever this says.
     */
    public static final String REQUIRE_SECRETS = "CDIFF_REQUIRE_SECRETS";
    /** Points at a properties file; read by {@link #fromEnvironment()}. */
    public static final String CONFIG_FILE = "CDIFF_CONFIG";

    static final String CLIENT_PREFIX = "KAFKA_CLIENT_";

    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry(S3_BUCKET, "cdiff"),
            Map.entry(S3_REGION, "us-east-1"),
            Map.entry(TOPIC_PREFIX, ""),
            Map.entry(DEAD_LETTER_TOPIC, "dead-letter"),
            Map.entry(MAX_ATTEMPTS, "3"),
            Map.entry(RETRY_BACKOFF_MS, "500"),
            Map.entry(RETRY_BACKOFF_MAX_MS, "30000"),
            Map.entry(POLL_TIMEOUT_MS, "500"),
            Map.entry(HEALTH_HTTP_HOST, "127.0.0.1"),
            Map.entry(HEALTH_HTTP_PORT, "0"),
            Map.entry(LIVENESS_WINDOW_MS, "60000"));

    private final Map<String, String> values;
    private final String origin;

    private ServiceConfig(Map<String, String> values, String origin) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.origin = origin;
    }

    /** Settings keyed by environment-variable name (or property key; both spellings are accepted). */
    public static ServiceConfig of(Map<String, String> settings) {
        return new ServiceConfig(normalise(settings), "given settings");
    }

    /** The process environment, over the file named by {@code CDIFF_CONFIG} (or system property cdiff.config) if set. */
    public static ServiceConfig fromEnvironment() {
        String file = System.getenv(CONFIG_FILE);
        if (file == null || file.isBlank()) {
            file = System.getProperty("cdiff.config");
        }
        Map<String, String> merged = new LinkedHashMap<>();
        String origin = "environment";
        if (file != null && !file.isBlank()) {
            merged.putAll(readFile(Path.of(file)));
            origin = "environment over " + file;
        }
        merged.putAll(normalise(System.getenv()));
        return new ServiceConfig(merged, origin);
    }

    /** A properties file, with the process environment taking precedence. */
    public static ServiceConfig fromFile(Path file) {
        Map<String, String> merged = new LinkedHashMap<>(readFile(file));
        merged.putAll(normalise(System.getenv()));
        return new ServiceConfig(merged, "environment over " + file);
    }

    /** A copy with one setting replaced (key spelled as an environment variable). */
    public ServiceConfig with(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(toEnvName(name), value);
        return new ServiceConfig(copy, origin);
    }

    private static Map<String, String> readFile(Path file) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read service config file " + file, e);
        }
        Map<String, String> map = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> map.put(k, properties.getProperty(k)));
        return normalise(map);
    }

    private static Map<String, String> normalise(Map<String, String> raw) {
        Map<String, String> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (k != null && v != null) {
                out.put(toEnvName(k), v.trim());
            }
        });
        return out;
    }

    static String toEnvName(String key) {
        return key.trim().replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    static String toPropertyKey(String envName) {
        return envName.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** A setting's value, or empty when unset or blank (defaults included). */
    public Optional<String> optional(String name) {
        String v = values.get(toEnvName(name));
        if (v == null || v.isBlank()) {
            v = DEFAULTS.get(toEnvName(name));
        }
        return Optional.ofNullable(v).filter(s -> !s.isBlank());
    }

    /** A setting that must be present; the error names both spellings and where settings came from. */
    public String required(String name) {
        String env = toEnvName(name);
        return optional(env).orElseThrow(() -> new ConfigException(env + " is not set (environment variable "
                + env + " or property " + toPropertyKey(env) + "; settings from " + origin + ")"));
    }

    private long positiveLong(String name) {
        String raw = required(name);
        try {
            long v = Long.parseLong(raw);
            if (v <= 0) {
                throw new ConfigException(name + " must be positive, got " + raw);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be an integer, got '" + raw + "'");
        }
    }

    public String kafkaBootstrapServers() {
        return required(KAFKA_BOOTSTRAP_SERVERS);
    }

    public String schemaRegistryUrl() {
        return required(SCHEMA_REGISTRY_URL);
    }

    public String s3Endpoint() {
        return required(S3_ENDPOINT);
    }

    public String s3AccessKey() {
        return required(S3_ACCESS_KEY);
    }

    public String s3SecretKey() {
        return required(S3_SECRET_KEY);
    }

    public String s3Bucket() {
        return required(S3_BUCKET);
    }

    public String s3Region() {
        return required(S3_REGION);
    }

    public String serviceName() {
        return required(SERVICE_NAME);
    }

    /** Consumer group of the service; defaults to the service name. */
    public String consumerGroup() {
        return optional(CONSUMER_GROUP).orElseGet(this::serviceName);
    }

    public String topicPrefix() {
        return optional(TOPIC_PREFIX).orElse("");
    }

    /** A topic's name as deployed: the prefix followed by the logical name (e.g. {@code Topics.CONCEPT_SUBMITTED}). */
    public String topic(String logicalName) {
        return topicPrefix() + logicalName;
    }

    public String deadLetterTopic() {
        return topic(required(DEAD_LETTER_TOPIC));
    }

    public int maxAttempts() {
        long v = positiveLong(MAX_ATTEMPTS);
        if (v > 1000) {
            throw new ConfigException(MAX_ATTEMPTS + " must be at most 1000, got " + v);
        }
        return (int) v;
    }

    public Duration retryBackoff() {
        return Duration.ofMillis(positiveLong(RETRY_BACKOFF_MS));
    }

    public Duration retryBackoffMax() {
        return Duration.ofMillis(positiveLong(RETRY_BACKOFF_MAX_MS));
    }

    public Duration pollTimeout() {
        return Duration.ofMillis(positiveLong(POLL_TIMEOUT_MS));
    }

    public String healthHttpHost() {
        return required(HEALTH_HTTP_HOST);
    }

    /** The health port, or -1 when health endpoints are off. */
    public int healthHttpPort() {
        String raw = required(HEALTH_HTTP_PORT);
        try {
            int port = Integer.parseInt(raw.trim());
            if (port < -1 || port > 65535) {
                throw new ConfigException(HEALTH_HTTP_PORT + " must be -1 (off) or a port 0..65535, got " + raw);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new ConfigException(HEALTH_HTTP_PORT + " must be an integer, got '" + raw + "'");
        }
    }

    public Duration livenessWindow() {
        return Duration.ofMillis(positiveLong(LIVENESS_WINDOW_MS));
    }

    /** Scratch folder for the service's local files; defaults to {@code <tmp>/cdiff-<service>}. */
    public Path workDir() {
        return optional(WORK_DIR).map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "cdiff-" + serviceName()));
    }

    /** Extra Kafka client settings given as {@code KAFKA_CLIENT_<NAME>}, as Kafka keys ({@code max.poll.interval.ms}). */
    public Map<String, String> kafkaClientOverrides() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(CLIENT_PREFIX) && k.length() > CLIENT_PREFIX.length()) {
                out.put(toPropertyKey(k.substring(CLIENT_PREFIX.length())), v);
            }
        });
        return out;
    }

    /** Settings that hold a credential: masked in logs, checked by {@link #checkSecrets()}. */
    public static final java.util.List<String> SECRETS = java.util.List.of(KAFKA_USERNAME, KAFKA_PASSWORD,
            SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD, S3_ACCESS_KEY, S3_SECRET_KEY);

    /**
     * Refuses to start with a secret that is still a placeholder (anything containing {@code change-me}, or
     * {@code <...>}), or, when {@link #REQUIRE_SECRETS} is true, with any secret missing. Called once at start
     * by every service entry point, so a copied {@code .env.example} never becomes a running deployment.
     */
    public ServiceConfig checkSecrets() {
        boolean required = optional(REQUIRE_SECRETS).map(Boolean::parseBoolean).orElse(false);
        java.util.List<String> problems = new java.util.ArrayList<>();
        for (String key : SECRETS) {
            Optional<String> v = optional(key);
            if (v.isEmpty()) {
                if (required) {
                    problems.add(key + " is not set");
                }
            } else if (isPlaceholder(v.get())) {
                problems.add(key + " is still the placeholder from .env.example");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("refusing to start: " + String.join("; ", problems)
                    + " (settings from " + origin + ")");
        }
        return this;
    }

    static boolean isPlaceholder(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        return v.contains("change-me") || v.contains("changeme") || (v.startsWith("<") && v.endsWith(">"));
    }

    /** Every explicitly given setting, secrets masked, for start-up logs. */
    public Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("KAFKA") || k.startsWith("S3_") || k.startsWith("SCHEMA") || k.startsWith("SERVICE")
                    || k.startsWith("CONSUMER") || k.startsWith("TOPIC") || k.startsWith("DEAD") || k.startsWith("MAX_")
                    || k.startsWith("RETRY") || k.startsWith("POLL") || k.equals(WORK_DIR) || k.startsWith("HEALTH")
                    || k.startsWith("LIVENESS") || k.startsWith("QUOTA_")) {
                out.put(k, k.contains("SECRET") || k.contains("PASSWORD") || k.contains("SASL_JAAS") ? "****" : v);
            }
        });
        return out;
    }

    @Override
    public String toString() {
        return "ServiceConfig" + describe() + " from " + origin;
    }
}

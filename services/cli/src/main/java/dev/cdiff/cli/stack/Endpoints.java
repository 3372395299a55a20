package dev.cdiff.cli.stack;

import dev.cdiff.platform.config.ServiceConfig;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where a running pipeline is reachable, as the client commands (submit, status, sample, merge, events) need it:
 * the shared service settings ({@link ServiceConfig} names: KAFKA_BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL, S3_*,
 * TOPIC_PREFIX) plus the public API's URL and the API key to use (the tenant is the key's).
 * {@code up} writes them to {@code <workspace>/endpoints.properties}; against an external stack, give a file of the
 * same keys or set them as environment variables (which win over the file).
 */
public final class Endpoints {
    public static final String GATEWAY_URL = "CDIFF_GATEWAY_URL";
    public static final String API_KEY = "CDIFF_API_KEY";
    public static final String PID = "CDIFF_PID";

    private final Map<String, String> values;

    public Endpoints(Map<String, String> values) {
        this.values = new LinkedHashMap<>(values);
    }

    /** Settings from the file (if it exists) with environment variables of the same names taking precedence. */
    public static Endpoints load(Path file) {
        Map<String, String> merged = new LinkedHashMap<>();
        if (file != null && Files.exists(file)) {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read endpoints file " + file, e);
            }
            p.stringPropertyNames().forEach(k -> merged.put(k, p.getProperty(k)));
        }
        for (String key : new String[] {ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, ServiceConfig.SCHEMA_REGISTRY_URL,
                ServiceConfig.S3_ENDPOINT, ServiceConfig.S3_ACCESS_KEY, ServiceConfig.S3_SECRET_KEY,
                ServiceConfig.S3_BUCKET, ServiceConfig.TOPIC_PREFIX, ServiceConfig.KAFKA_USERNAME,
                ServiceConfig.KAFKA_PASSWORD, ServiceConfig.KAFKA_SASL_MECHANISM, ServiceConfig.KAFKA_SECURITY_PROTOCOL,
                ServiceConfig.SCHEMA_REGISTRY_USERNAME, ServiceConfig.SCHEMA_REGISTRY_PASSWORD, GATEWAY_URL, API_KEY}) {
            String env = System.getenv(key);
            if (env != null && !env.isBlank()) {
                merged.put(key, env);
            }
        }
        return new Endpoints(merged);
    }

    /** Writes atomically, so a reader never sees half a file. */
    public void save(Path file) {
        Properties p = new Properties();
        new TreeMap<>(values).forEach(p::setProperty);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(out, "endpoints of the running cdiff stack (written by ./cdiff up / demo)");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write endpoints file " + file, e);
        }
    }

    public Optional<String> optional(String key) {
        return Optional.ofNullable(values.get(key)).filter(v -> !v.isBlank());
    }

    /** A value that must be there; the error says how to provide it. */
    public String required(String key) {
        return optional(key).orElseThrow(() -> new IllegalStateException(key + " is not known: start the stack with"
                + " './cdiff up' (it writes endpoints.properties in the workspace), pass --endpoints FILE,"
                + " or set the environment variable " + key));
    }

    public String kafkaBootstrapServers() {
        return required(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS);
    }

    public String schemaRegistryUrl() {
        return required(ServiceConfig.SCHEMA_REGISTRY_URL);
    }

    public String topicPrefix() {
        return optional(ServiceConfig.TOPIC_PREFIX).orElse("");
    }

    /** The public API with this file's key. */
    public dev.cdiff.cli.client.GatewayClient gateway() {
        return new dev.cdiff.cli.client.GatewayClient(required(GATEWAY_URL), required(API_KEY));
    }

    public String bucket() {
        return optional(ServiceConfig.S3_BUCKET).orElse("cdiff");
    }

    /** A service config against these endpoints (client identity {@code name}). */
    public ServiceConfig serviceConfig(String name) {
        Map<String, String> env = new LinkedHashMap<>(values);
        env.put(ServiceConfig.SERVICE_NAME, name);
        return ServiceConfig.of(env);
    }

    public Map<String, String> asMap() {
        return new LinkedHashMap<>(values);
    }

    public Endpoints with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(key, value);
        return new Endpoints(copy);
    }
}

package dev.cdiff.platform.serde;

import org.apache.kafka.common.config.ConfigException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How serializers reach the registry. Kafka instantiates serdes from class names and hands them a config map;
 * {@link #fromConfig(Map)} reads the same keys Confluent's serdes use, so existing client configs keep working.
 *
 * @param registryUrl       base URL of a Confluent-compatible Schema Registry, e.g. http://127.0.0.1:8081
 * @param autoRegisterSchemas register the writer schema on first use; when false the schema must already be
 *                          registered under the subject (production: schemas are registered by deployment)
 * @param requestTimeout    bound on each registry HTTP call
 */
public record SerdeSettings(String registryUrl, boolean autoRegisterSchemas, Duration requestTimeout) {
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
    /** Class name of the generated record a deserializer produces (value side / key side). */
    public static final String SPECIFIC_VALUE_TYPE = "specific.avro.value.type";
    public static final String SPECIFIC_KEY_TYPE = "specific.avro.key.type";

    public SerdeSettings {
        if (registryUrl == null || registryUrl.isBlank()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, registryUrl, "the schema registry URL is required");
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new ConfigException(REQUEST_TIMEOUT_MS, requestTimeout, "must be a positive duration");
        }
    }

    public static SerdeSettings of(String registryUrl) {
        return new SerdeSettings(registryUrl, true, Duration.ofSeconds(30));
    }

    public SerdeSettings withAutoRegister(boolean autoRegister) {
        return new SerdeSettings(registryUrl, autoRegister, requestTimeout);
    }

    /** Reads {@value #SCHEMA_REGISTRY_URL} (required), {@value #AUTO_REGISTER_SCHEMAS} (default true). */
    public static SerdeSettings fromConfig(Map<String, ?> configs) {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        if (url == null) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, null, "missing; set it to the registry's base URL");
        }
        boolean autoRegister = bool(configs, AUTO_REGISTER_SCHEMAS, true);
        long timeoutMs = longValue(configs, REQUEST_TIMEOUT_MS, 30_000L);
        return new SerdeSettings(url.toString(), autoRegister, Duration.ofMillis(timeoutMs));
    }

    /** The settings as a Kafka config map, for clients configured from maps (e.g. Streams default serdes). */
    public Map<String, Object> toConfig() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(SCHEMA_REGISTRY_URL, registryUrl);
        out.put(AUTO_REGISTER_SCHEMAS, autoRegisterSchemas);
        out.put(REQUEST_TIMEOUT_MS, requestTimeout.toMillis());
        return out;
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean fallback) {
        Object v = configs.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString().trim();
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException(key, v, "expected true or false");
    }

    private static long longValue(Map<String, ?> configs, String key, long fallback) {
        Object v = configs.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, v, "expected a whole number");
        }
    }
}

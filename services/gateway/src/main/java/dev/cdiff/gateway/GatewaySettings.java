package dev.cdiff.gateway;

import dev.cdiff.platform.config.ConfigException;
import dev.cdiff.platform.config.ServiceConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * The gateway's settings, read from the same environment/properties as {@link ServiceConfig}:
 * <ul>
 * <li>{@code GATEWAY_HTTP_HOST} (127.0.0.1), {@code GATEWAY_HTTP_PORT} (8080; 0 = any free port)</li>
 * <li>{@code GATEWAY_KEYS_FILE}: the tenant and key store (default {@code <WORK_DIR>/gateway/keys.json})</li>
 * <li>{@code GATEWAY_ORCHESTRATOR_URL}: the orchestrator's internal status endpoint (http://127.0.0.1:8086), and
 * {@code ORCHESTRATOR_HTTP_TOKEN}, the service token it requires</li>
 * <li>{@code GATEWAY_LINK_SECRET}: at least 32 characters signing download links (default: random per process, so
 * links die with it; set it when several gateways share the traffic), {@code GATEWAY_LINK_TTL_SECONDS} (300)</li>
 * <li>{@code GATEWAY_MAX_UPLOAD_BYTES} (64 MiB), {@code GATEWAY_MAX_IMAGES} (20), {@code GATEWAY_BODY_TIMEOUT_MS}
 * (60000): the whole request body must arrive within it, however it trickles</li>
 * </ul>
 */
public record GatewaySettings(String httpHost, int httpPort, Path keysFile, String orchestratorUrl,
                              String orchestratorToken, byte[] linkSecret, Duration linkLifetime,
                              long maxUploadBytes, int maxImages, Duration bodyTimeout) {
    public static final String HTTP_HOST = "GATEWAY_HTTP_HOST";
    public static final String HTTP_PORT = "GATEWAY_HTTP_PORT";
    public static final String KEYS_FILE = "GATEWAY_KEYS_FILE";
    public static final String ORCHESTRATOR_URL = "GATEWAY_ORCHESTRATOR_URL";
    public static final String ORCHESTRATOR_TOKEN = "ORCHESTRATOR_HTTP_TOKEN";
    public static final String LINK_SECRET = "GATEWAY_LINK_SECRET";
    public static final String LINK_TTL_SECONDS = "GATEWAY_LINK_TTL_SECONDS";
    public static final String MAX_UPLOAD_BYTES = "GATEWAY_MAX_UPLOAD_BYTES";
    public static final String MAX_IMAGES = "GATEWAY_MAX_IMAGES";
    public static final String BODY_TIMEOUT_MS = "GATEWAY_BODY_TIMEOUT_MS";

    public static GatewaySettings from(ServiceConfig config) {
        Path keys = config.optional(KEYS_FILE).map(Path::of)
                .orElseGet(() -> defaultKeysFile(config.optional(ServiceConfig.WORK_DIR).map(Path::of)
                        .orElseThrow(() -> new ConfigException(KEYS_FILE + " (or " + ServiceConfig.WORK_DIR
                                + ") must say where the tenant and key store lives"))));
        byte[] secret = config.optional(LINK_SECRET).map(s -> s.getBytes(StandardCharsets.UTF_8)).orElseGet(() -> {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return random;
        });
        if (secret.length < 32) {
            throw new ConfigException(LINK_SECRET + " must be at least 32 characters");
        }
        return new GatewaySettings(
                config.optional(HTTP_HOST).orElse("127.0.0.1"),
                (int) number(config, HTTP_PORT, 8080, 0, 65535),
                keys,
                config.optional(ORCHESTRATOR_URL).orElse("http://127.0.0.1:8086"),
                config.optional(ORCHESTRATOR_TOKEN).orElse(null),
                secret,
                Duration.ofSeconds(number(config, LINK_TTL_SECONDS, 300, 1, 86_400)),
                number(config, MAX_UPLOAD_BYTES, 64L << 20, 1024, Long.MAX_VALUE),
                (int) number(config, MAX_IMAGES, 20, 1, 1000),
                Duration.ofMillis(number(config, BODY_TIMEOUT_MS, 60_000, 100, 3_600_000)));
    }

    /** Where the store lives when only the work folder is configured (the CLI uses the same rule). */
    public static Path defaultKeysFile(Path workDir) {
        return workDir.resolve("gateway").resolve("keys.json");
    }

    private static long number(ServiceConfig config, String name, long fallback, long min, long max) {
        String raw = config.optional(name).orElse(null);
        if (raw == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(raw.strip());
            if (v < min || v > max) {
                throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be an integer, got '" + raw + "'");
        }
    }

    @Override
    public String toString() {
        return "GatewaySettings[" + httpHost + ":" + httpPort + ", keys " + keysFile + ", orchestrator "
                + orchestratorUrl + ", max upload " + maxUploadBytes + " B, body timeout " + bodyTimeout + "]";
    }
}

package dev.cdiff.ingestion.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Per-tenant API keys from configuration: {@code key1=tenantA,key2=tenantB}. */
public final class ApiKeys {
    /** Tenant ids become S3 key prefixes, so they are restricted to a safe alphabet. */
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    private final Map<String, String> tenantByKey;

    public ApiKeys(Map<String, String> tenantByKey) {
        for (Map.Entry<String, String> e : tenantByKey.entrySet()) {
            if (e.getKey().length() < 8) {
                throw new IllegalArgumentException("ingestion.apiKeys: the key of tenant '" + e.getValue()
                        + "' is shorter than 8 characters");
            }
            if (!TENANT.matcher(e.getValue()).matches()) {
                throw new IllegalArgumentException("ingestion.apiKeys: tenant id '" + e.getValue()
                        + "' must be lower-case letters, digits, '_' or '-' (at most 63)");
            }
        }
        this.tenantByKey = Map.copyOf(tenantByKey);
    }

    /** Parses {@code key=tenant} pairs separated by commas. */
    public static ApiKeys parse(String spec) {
        Map<String, String> map = new LinkedHashMap<>();
        if (spec != null) {
            for (String pair : spec.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) {
                    throw new IllegalArgumentException("ingestion.apiKeys entries must be key=tenant, got an entry of "
                            + pair.strip().length() + " characters without '='");
                }
                map.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
            }
        }
        return new ApiKeys(map);
    }

    /** Tenant of the key; compares against every key in constant time per key so timing does not reveal prefixes. */
    public Optional<String> tenantOf(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty()) {
            return Optional.empty();
        }
        byte[] presented = presentedKey.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Map.Entry<String, String> e : tenantByKey.entrySet()) {
            if (MessageDigest.isEqual(presented, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                found = e.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    public boolean isEmpty() {
        return tenantByKey.isEmpty();
    }
}

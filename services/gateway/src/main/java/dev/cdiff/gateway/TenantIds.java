package dev.cdiff.gateway;

import java.util.regex.Pattern;

/**
 * The id rules the gateway applies to what a caller names: tenant ids when an operator adds a tenant, job ids in
 * request paths and bodies, and artifact keys of the tenant's own prefix.
 */
public final class TenantIds {
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern JOB = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final int MAX_KEY_LENGTH = 1024;

    private TenantIds() {
    }

    public static String tenant(String value) {
        if (value == null || !TENANT.matcher(value).matches()) {
            throw new IllegalArgumentException("tenant id '" + value + "' must be 1-63 characters of a-z, 0-9 and"
                    + " '-', starting with a letter or digit");
        }
        return value;
    }

    public static boolean isJobId(String value) {
        return value != null && JOB.matcher(value).matches();
    }

    /** True when {@code key} is a well-formed key under {@code tenants/<tenant>/}, checked segment by segment. */
    public static boolean isKeyOf(String tenant, String key) {
        if (key == null || key.length() > MAX_KEY_LENGTH) {
            return false;
        }
        String[] segments = key.split("/", -1);
        if (segments.length < 3 || !segments[0].equals("tenants") || !segments[1].equals(tenant)) {
            return false;
        }
        for (int i = 2; i < segments.length; i++) {
            if (!SEGMENT.matcher(segments[i]).matches()) {
                return false;
            }
        }
        return true;
    }
}

package dev.cdiff.gateway;

import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.ids.InvalidIdException;

/**
 * The platform's id grammar ({@link Ids}) as the gateway asks it: a tenant id when an operator adds a tenant, and
 * yes/no questions about what a caller names (a job id in a path, a key that must be under the caller's prefix),
 * because a caller's bad id is answered 404 or 403 rather than thrown.
 */
public final class TenantIds {
    private TenantIds() {
    }

    public static String tenant(String value) {
        return Ids.tenantId("tenant id", value);
    }

    public static boolean isJobId(String value) {
        try {
            Ids.jobId("job id", value);
            return true;
        } catch (InvalidIdException e) {
            return false;
        }
    }

    /** True when {@code key} is a well-formed artifact key under {@code tenants/<tenant>/} (checked by segments). */
    public static boolean isKeyOf(String tenant, String key) {
        try {
            return tenant.equals(Ids.tenantOfKey("key", key));
        } catch (InvalidIdException e) {
            return false;
        }
    }
}

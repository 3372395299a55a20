package dev.cdiff.platform.logging;

import org.slf4j.MDC;

/**
 * Puts the tenant, job and event of the record being handled into the logging MDC, so every line logged while
 * handling it carries them (as fields of the JSON log, see {@code logback.xml}), and takes them out again after.
 * Values are the event's own, already checked by the id grammar when it was decoded.
 */
public final class EventLogContext implements AutoCloseable {
    public static final String TENANT_ID = "tenantId";
    public static final String JOB_ID = "jobId";
    public static final String EVENT_ID = "eventId";

    private EventLogContext() {
    }

    /** Sets the fields that are known (null ones are left out); closing removes all three. */
    public static EventLogContext open(String tenantId, String jobId, String eventId) {
        set(tenantId, jobId, eventId);
        return new EventLogContext();
    }

    /** As {@link #open}, for a caller that clears in a finally of its own. */
    public static void set(String tenantId, String jobId, String eventId) {
        put(TENANT_ID, tenantId);
        put(JOB_ID, jobId);
        put(EVENT_ID, eventId);
    }

    public static void clear() {
        MDC.remove(TENANT_ID);
        MDC.remove(JOB_ID);
        MDC.remove(EVENT_ID);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    @Override
    public void close() {
        clear();
    }
}

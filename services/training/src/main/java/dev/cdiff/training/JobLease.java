package dev.cdiff.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.store.ArtifactKeys;
import dev.cdiff.platform.store.ArtifactStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Who trains a job: one object per job, {@code tenants/<t>/jobs/<job>/lease.json}, written only by conditional puts.
 * Taking a free lease is a create with {@code If-None-Match: *}; renewing, or taking over one whose holder let it
 * expire, is a replace with {@code If-Match} on the ETag last read. Of two workers racing for a job the store lets
 * exactly one write succeed, so two workers never train the same job at once, while a holder that died frees the
 * job after one TTL.
 *
 * <p>Expiry is judged on each worker's own clock against the holder's written deadline: clocks must agree to well
 * within the TTL (minutes by default, against NTP's milliseconds).
 */
final class JobLease {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Terms(String holder, long expiresAtMillis) {
    }

    /** A lease this worker holds until {@link #expiresAtMillis()}; renew before then or stop working. */
    static final class Held {
        private final JobLease lease;
        private final String key;
        private volatile String etag;
        private volatile long expiresAtMillis;

        private Held(JobLease lease, String key, String etag, long expiresAtMillis) {
            this.lease = lease;
            this.key = key;
            this.etag = etag;
            this.expiresAtMillis = expiresAtMillis;
        }

        long expiresAtMillis() {
            return expiresAtMillis;
        }

        /** @return false when another worker took the lease over (this one must stop at once) */
        synchronized boolean renew() {
            long expires = lease.clock.millis() + lease.ttl.toMillis();
            Optional<String> next = lease.store.replaceIfMatch(key, lease.terms(expires), JSON_TYPE, etag);
            next.ifPresent(e -> {
                etag = e;
                expiresAtMillis = expires;
            });
            return next.isPresent();
        }

        /** Frees the job for the next worker at once instead of after the TTL. */
        synchronized void release() {
            lease.store.deleteIfMatch(key, etag);
        }
    }

    private static final String JSON_TYPE = "application/json";

    private final ArtifactStore store;
    private final String holder;
    private final Duration ttl;
    private final Clock clock;

    JobLease(ArtifactStore store, String holder, Duration ttl, Clock clock) {
        this.store = store;
        this.holder = holder;
        this.ttl = ttl;
        this.clock = clock;
    }

    static String key(String tenant, String jobId) {
        return ArtifactKeys.tenantPrefix(tenant) + "jobs/" + ArtifactKeys.segment("job id", jobId) + "/lease.json";
    }

    String holder() {
        return holder;
    }

    Duration ttl() {
        return ttl;
    }

    /** Takes the job's lease if it is free or expired; empty while another worker holds it. */
    Optional<Held> tryAcquire(String tenant, String jobId) {
        String key = key(tenant, jobId);
        long expires = clock.millis() + ttl.toMillis();
        Optional<ArtifactStore.VersionedObject> current = store.getVersioned(key);
        Optional<String> etag;
        if (current.isEmpty()) {
            etag = store.createIfAbsent(key, terms(expires), JSON_TYPE);
        } else {
            Terms t = parse(key, current.get().content());
            if (t.expiresAtMillis() > clock.millis() && !t.holder().equals(holder)) {
                return Optional.empty();
            }
            etag = store.replaceIfMatch(key, terms(expires), JSON_TYPE, current.get().etag());
        }
        return etag.map(e -> new Held(this, key, e, expires));
    }

    /** The current terms of a job's lease, if any (for logs and tests). */
    Optional<Terms> current(String tenant, String jobId) {
        String key = key(tenant, jobId);
        return store.getVersioned(key).map(v -> parse(key, v.content()));
    }

    private byte[] terms(long expiresAtMillis) {
        try {
            return JSON.writeValueAsBytes(new Terms(holder, expiresAtMillis));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Terms parse(String key, byte[] content) {
        try {
            return JSON.readValue(content, Terms.class);
        } catch (IOException e) {
            // unreadable terms cannot prove a live holder: treat as expired so the job is not stuck for ever
            return new Terms("<unreadable " + key + ">", 0);
        }
    }
}

package dev.cdiff.platform.health;

import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.store.ArtifactStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Readiness checks of the three dependencies, each a cheap request with a short timeout. Answers are kept for a
 * second so a burst of probes does not become a burst of requests.
 */
public final class DependencyChecks {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private DependencyChecks() {
    }

    public static HealthCheck broker(Admin admin) {
        return cached(() -> {
            try {
                int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
                        .nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
                return HealthCheck.Result.ok(nodes + " broker(s)");
            } catch (Exception e) {
                return HealthCheck.Result.down("broker unreachable: " + e);
            }
        });
    }

    public static HealthCheck registry(String url) {
        SchemaRegistryClient client = new SchemaRegistryClient(url, TIMEOUT);
        return cached(() -> {
            try {
                return HealthCheck.Result.ok("compatibility " + client.globalCompatibility() + " at " + url);
            } catch (RuntimeException e) {
                return HealthCheck.Result.down("registry unreachable at " + url + ": " + e.getMessage());
            }
        });
    }

    public static HealthCheck objectStore(ArtifactStore store) {
        return cached(() -> {
            try {
                store.stat("health/probe");
                return HealthCheck.Result.ok("bucket " + store.bucket());
            } catch (RuntimeException e) {
                return HealthCheck.Result.down("S3 unreachable: " + e.getMessage());
            }
        });
    }

    static HealthCheck cached(HealthCheck check) {
        return new HealthCheck() {
            private long at;
            private Result last;

            @Override
            public synchronized Result check() {
                long now = System.nanoTime();
                if (last == null || now - at > 1_000_000_000L) {
                    last = check.check();
                    at = now;
                }
                return last;
            }
        };
    }
}

package dev.cdiff.platform.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.platform.metrics.ServiceMetrics;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /health/live} and {@code GET /health/ready} of a service: 200 when every check of the kind passes,
 * 503 otherwise, with each check's verdict and reason as JSON. Live means "restart me if this fails" (the event
 * loop is running and polling); ready means "I can do work now" (live, and broker, registry and S3 answer).
 * {@code GET /metrics} beside them answers the process's meters in the Prometheus text format.
 * <p>Served by Javalin like the gateway and the orchestrator, so the limits are the framework's: no endpoint here
 * reads a body, so {@code http.maxRequestSize} is tiny, and a connection that stops talking is closed by Jetty's
 * idle timeout.
 */
public final class HealthServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Probes and scrapes send no body. */
    static final long MAX_REQUEST_BYTES = 1024;
    static final long IDLE_TIMEOUT_MILLIS = 10_000;

    private final Javalin app;
    private final Map<String, HealthCheck> live = new LinkedHashMap<>();
    private final Map<String, HealthCheck> ready = new LinkedHashMap<>();

    private HealthServer(String service) {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = MAX_REQUEST_BYTES;
            config.jetty.threadPool = threads(service);
            config.jetty.modifyHttpConfiguration(http -> {
                http.setSendServerVersion(false);
                http.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
            });
            // probes hold no state worth draining for: stop at once, as the JDK server's stop(0) did
            config.jetty.modifyServer(server -> server.setStopTimeout(0));
            config.routes.get("/health/live", ctx -> answer(ctx, false));
            config.routes.get("/health/ready", ctx -> answer(ctx, true));
            config.routes.get("/metrics", HealthServer::metrics);
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                if (e.getStatus() == 405) {
                    ctx.header("Allow", "GET");
                }
                ctx.status(e.getStatus()).result("");
            });
        });
    }

    /** A few daemon threads, as before the move: a probe endpoint must never keep a stopping JVM alive. */
    private static QueuedThreadPool threads(String service) {
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("health-" + service);
        pool.setDaemon(true);
        return pool;
    }

    /** Binds host:port (0 for any free port) and serves at once; add checks before anyone relies on them. */
    public static HealthServer start(String service, String host, int port) {
        HealthServer health = new HealthServer(service);
        try {
            health.app.start(host, port);
        } catch (RuntimeException e) {
            health.app.stop();
            throw new IllegalStateException("cannot open the health port " + host + ":" + port + " of " + service, e);
        }
        LOG.info("{}: health at http://{}:{}/health/live and /health/ready, metrics at /metrics", service, host,
                health.port());
        return health;
    }

    public synchronized HealthServer liveness(String name, HealthCheck check) {
        live.put(name, check);
        return this;
    }

    public synchronized HealthServer readiness(String name, HealthCheck check) {
        ready.put(name, check);
        return this;
    }

    public int port() {
        return app.port();
    }

    /** Both answers as the HTTP endpoints would give them: (ok, body). */
    public synchronized Map.Entry<Boolean, ObjectNode> evaluate(boolean readiness) {
        Map<String, HealthCheck> checks = new LinkedHashMap<>(live);
        if (readiness) {
            checks.putAll(ready);
        }
        return evaluate(checks);
    }

    /** Runs the checks: ok only when there is at least one and all pass; the body names each verdict. */
    public static Map.Entry<Boolean, ObjectNode> evaluate(Map<String, HealthCheck> checks) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode each = body.putObject("checks");
        boolean ok = !checks.isEmpty();
        for (Map.Entry<String, HealthCheck> c : checks.entrySet()) {
            HealthCheck.Result r;
            try {
                r = c.getValue().check();
            } catch (RuntimeException e) {
                r = HealthCheck.Result.down(e.toString());
            }
            ObjectNode n = each.putObject(c.getKey());
            n.put("status", r.ok() ? "UP" : "DOWN");
            n.put("detail", r.detail());
            ok &= r.ok();
        }
        body.put("status", ok ? "UP" : "DOWN");
        return Map.entry(ok, body);
    }

    private void answer(Context ctx, boolean readiness) {
        Map.Entry<Boolean, ObjectNode> verdict = evaluate(readiness);
        try {
            ctx.status(verdict.getKey() ? 200 : 503).contentType("application/json; charset=utf-8")
                    .result(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(verdict.getValue()));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves the meters; the scrape is read-only, so it needs no credential, like the probes. */
    public static void metrics(Context ctx) {
        ctx.contentType(ServiceMetrics.CONTENT_TYPE).result(ServiceMetrics.scrape());
    }

    @Override
    public void close() {
        app.stop();
    }
}

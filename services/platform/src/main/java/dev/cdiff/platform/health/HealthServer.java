package dev.cdiff.platform.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cdiff.platform.metrics.ServiceMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /health/live} and {@code GET /health/ready} of a service: 200 when every check of the kind passes,
 * 503 otherwise, with each check's verdict and reason as JSON. Live means "restart me if this fails" (the event
 * loop is running and polling); ready means "I can do work now" (live, and broker, registry and S3 answer).
 * {@code GET /metrics} beside them answers the process's meters in the Prometheus text format.
 */
public final class HealthServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, HealthCheck> live = new LinkedHashMap<>();
    private final Map<String, HealthCheck> ready = new LinkedHashMap<>();

    private HealthServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds host:port (0 for any free port) and serves at once; add checks before anyone relies on them. */
    public static HealthServer start(String service, String host, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the health port " + host + ":" + port + " of " + service, e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "health-" + service);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        HealthServer health = new HealthServer(server, executor);
        server.createContext("/health/live", exchange -> health.answer(exchange, false));
        server.createContext("/health/ready", exchange -> health.answer(exchange, true));
        server.createContext("/metrics", HealthServer::metrics);
        server.start();
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
        return server.getAddress().getPort();
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

    private void answer(HttpExchange exchange, boolean readiness) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Map.Entry<Boolean, ObjectNode> verdict = evaluate(readiness);
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(verdict.getValue());
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(verdict.getKey() ? 200 : 503, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Serves the meters; the scrape is read-only, so it needs no credential, like the probes. */
    public static void metrics(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = ServiceMetrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", ServiceMetrics.CONTENT_TYPE);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

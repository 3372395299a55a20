package dev.cdiff.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cdiff.platform.health.HealthCheck;
import dev.cdiff.platform.health.HealthServer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The orchestrator's HTTP face (JDK server, JSON):
 * <ul>
 *   <li>{@code GET /health}: 200 with the Streams state when RUNNING or REBALANCING, else 503</li>
 *   <li>{@code GET /health/live}: 200 while the streams have a live stream thread (else the supervisor should
 *       restart the process); {@code GET /health/ready}: 200 when also RUNNING and broker and registry answer</li>
 *   <li>{@code GET /jobs/{jobId}}: the job's status; 404 if unknown. When another instance owns the job the request
 *       is forwarded there; if that fails, 502 naming the owner in {@code owner}</li>
 *   <li>{@code GET /jobs?tenant=X}: {@code {"tenant", "jobs": [...], "unreachable": [...]}}, gathered from every
 *       instance</li>
 * </ul>
 * {@code local=true} answers from this instance only (what instances send each other).
 * <p>The job endpoints are internal: tenants read their jobs through the gateway, which asks here with the service
 * token. With a token configured, {@code /jobs} answers 401 to a request without it; health stays open for probes.
 */
public final class JobStatusHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobStatusHttpServer.class);
    private static final ObjectMapper JSON = JobStatusSerde.MAPPER;
    static final String SERVED_BY = "X-Served-By";

    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient peers;
    private volatile JobDirectory directory;
    private volatile Map<String, HealthCheck> liveChecks = Map.of();
    private volatile Map<String, HealthCheck> readyChecks = Map.of();
    private final byte[] token;

    /**
     * Binds at once (so the port is known before Streams is configured); serves after {@link #start}.
     *
     * @param token service token required on {@code /jobs}, or null where only loopback can reach the port
     */
    public JobStatusHttpServer(String host, int port, String token) throws IOException {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(host, port), 0);
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "orchestrator-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/health", this::health);
        server.createContext("/jobs", this::jobs);
        server.createContext("/metrics", HealthServer::metrics);
        server.createContext("/", exchange -> send(exchange, 404, error("no such endpoint: " + exchange.getRequestURI().getPath())));
        peers = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public void start(JobDirectory directory) {
        this.directory = directory;
        server.start();
    }

    /** The checks behind /health/live and /health/ready (readiness runs both sets). */
    public void healthChecks(Map<String, HealthCheck> live, Map<String, HealthCheck> ready) {
        this.liveChecks = new LinkedHashMap<>(live);
        Map<String, HealthCheck> all = new LinkedHashMap<>(live);
        all.putAll(ready);
        this.readyChecks = all;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void health(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/health/live") || path.equals("/health/ready")) {
            if (!allowGet(exchange)) {
                return;
            }
            Map.Entry<Boolean, ObjectNode> verdict = HealthServer.evaluate(
                    path.endsWith("live") ? liveChecks : readyChecks);
            send(exchange, verdict.getKey() ? 200 : 503, verdict.getValue());
            return;
        }
        if (!path.equals("/health")) {
            send(exchange, 404, error("no such endpoint: " + exchange.getRequestURI().getPath()));
            return;
        }
        if (!allowGet(exchange)) {
            return;
        }
        KafkaStreams.State state = directory.state();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        ObjectNode body = JSON.createObjectNode();
        body.put("status", up ? "UP" : "DOWN");
        body.put("streams", state.name());
        body.put("instance", hostText(directory.self()));
        send(exchange, up ? 200 : 503, body);
    }

    private void jobs(HttpExchange exchange) throws IOException {
        if (!allowGet(exchange) || !authorized(exchange)) {
            return;
        }
        try {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI());
            boolean localOnly = "true".equals(query.get("local"));
            if (path.equals("/jobs") || path.equals("/jobs/")) {
                String tenant = query.get("tenant");
                if (tenant == null || tenant.isBlank()) {
                    send(exchange, 400, error("query parameter tenant is required, e.g. /jobs?tenant=acme"));
                    return;
                }
                listTenant(exchange, tenant, localOnly);
                return;
            }
            if (!path.startsWith("/jobs/")) {
                send(exchange, 404, error("no such endpoint: " + path));
                return;
            }
            String jobId = URLDecoder.decode(path.substring("/jobs/".length()), StandardCharsets.UTF_8);
            if (jobId.isEmpty() || jobId.contains("/")) {
                send(exchange, 404, error("no such endpoint: " + path));
                return;
            }
            oneJob(exchange, jobId, localOnly);
        } catch (InvalidStateStoreException e) {
            send(exchange, 503, error("job store not queryable right now: " + e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("job query {} failed", exchange.getRequestURI(), e);
            send(exchange, 500, error(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    private void oneJob(HttpExchange exchange, String jobId, boolean localOnly) throws IOException {
        JobDirectory.Location location = directory.locate(jobId);
        switch (location.kind()) {
            case UNAVAILABLE -> {
                exchange.getResponseHeaders().set("Retry-After", "1");
                send(exchange, 503, error(location.reason()));
            }
            case LOCAL -> {
                if (location.status() == null) {
                    send(exchange, 404, error("unknown job " + jobId));
                } else {
                    send(exchange, 200, JSON.valueToTree(location.status()));
                }
            }
            case REMOTE -> {
                String owner = hostText(location.owner());
                if (localOnly) {
                    ObjectNode body = error("job " + jobId + " is owned by another instance");
                    body.put("owner", owner);
                    send(exchange, 421, body);
                    return;
                }
                forward(exchange, location.owner(), "/jobs/" + encode(jobId) + "?local=true", owner);
            }
        }
    }

    private void forward(HttpExchange exchange, HostInfo owner, String pathAndQuery, String ownerText) throws IOException {
        try {
            HttpResponse<String> response = peers.send(peerRequest("http://" + ownerText + pathAndQuery).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            exchange.getResponseHeaders().set(SERVED_BY, ownerText);
            send(exchange, response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            ObjectNode body = error("owner instance " + ownerText + " did not answer: " + e.getMessage());
            body.put("owner", ownerText);
            send(exchange, 502, body);
        }
    }

    private void listTenant(HttpExchange exchange, String tenant, boolean localOnly) throws IOException {
        List<JobStatus> local = directory.localJobsOfTenant(tenant);
        ArrayNode jobs = JSON.createArrayNode();
        local.stream().sorted(Comparator.comparing((JobStatus s) -> s.createdAt == null ? "" : s.createdAt)
                .thenComparing(s -> s.jobId)).forEach(s -> jobs.add(JSON.valueToTree(s)));
        ArrayNode unreachable = JSON.createArrayNode();
        if (!localOnly) {
            for (HostInfo other : directory.otherInstances()) {
                String otherText = hostText(other);
                try {
                    HttpResponse<String> response = peers.send(peerRequest("http://" + otherText
                                    + "/jobs?local=true&tenant=" + encode(tenant)).build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    if (response.statusCode() != 200) {
                        unreachable.add(otherText);
                        continue;
                    }
                    JSON.readTree(response.body()).path("jobs").forEach(jobs::add);
                } catch (IOException | InterruptedException e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    unreachable.add(otherText);
                }
            }
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("tenant", tenant);
        body.set("jobs", jobs);
        body.set("unreachable", unreachable);
        send(exchange, 200, body);
    }

    private boolean authorized(HttpExchange exchange) throws IOException {
        if (token == null) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] presented = header != null && header.startsWith("Bearer ")
                ? header.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (java.security.MessageDigest.isEqual(token, presented)) {
            return true;
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"cdiff-internal\"");
        send(exchange, 401, error("this endpoint is internal: it needs the service token (tenants use the gateway)"));
        return false;
    }

    private HttpRequest.Builder peerRequest(String url) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + new String(token, StandardCharsets.UTF_8));
        }
        return request;
    }

    private static boolean allowGet(HttpExchange exchange) throws IOException {
        if ("GET".equals(exchange.getRequestMethod())) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET");
        send(exchange, 405, error("method " + exchange.getRequestMethod() + " not allowed; use GET"));
        return false;
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return params;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String hostText(HostInfo host) {
        return host.host() + ":" + host.port();
    }

    private static ObjectNode error(String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error", message);
        return body;
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}

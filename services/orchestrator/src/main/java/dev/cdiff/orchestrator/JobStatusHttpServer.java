package dev.cdiff.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.platform.health.HealthCheck;
import dev.cdiff.platform.health.HealthServer;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
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

/**
 * The orchestrator's HTTP face (Javalin, JSON):
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

    private final Javalin app;
    private final String host;
    private final HttpClient peers;
    private volatile JobDirectory directory;
    private volatile Map<String, HealthCheck> liveChecks = Map.of();
    private volatile Map<String, HealthCheck> readyChecks = Map.of();
    private final byte[] token;

    /**
     * Binds and serves at once (so the port is known before Streams is configured); until {@link #start} hands it
     * the job directory, everything but liveness answers 503.
     *
     * @param token service token required on {@code /jobs}, or null where only loopback can reach the port
     */
    public JobStatusHttpServer(String host, int port, String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.host = host;
        peers = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.prefer405over404 = true;
            config.jetty.modifyHttpConfiguration(http -> http.setSendServerVersion(false));
            config.routes.get("/health", this::health);
            config.routes.get("/health/live", ctx -> checks(ctx, liveChecks));
            config.routes.get("/health/ready", ctx -> checks(ctx, readyChecks));
            config.routes.get("/jobs", ctx -> jobs(ctx, null));
            config.routes.get("/jobs/{jobId}", ctx -> jobs(ctx, ctx.pathParam("jobId")));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                if (e.getStatus() == 405) {
                    ctx.header("Allow", "GET");
                }
                send(ctx, e.getStatus(), error(e.getStatus() == 405 ? "method " + ctx.method() + " not allowed; use"
                        + " GET" : e.getStatus() == 404 ? "no such endpoint: " + ctx.path() : e.getMessage()));
            });
        }).start(host, port);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(host, app.port());
    }

    public void start(JobDirectory directory) {
        this.directory = directory;
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
        app.stop();
    }

    private static void checks(Context ctx, Map<String, HealthCheck> checks) {
        Map.Entry<Boolean, ObjectNode> verdict = HealthServer.evaluate(checks);
        send(ctx, verdict.getKey() ? 200 : 503, verdict.getValue());
    }

    private void health(Context exchange) {
        JobDirectory directory = this.directory;
        if (directory == null) {
            send(exchange, 503, error("starting"));
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

    /** @param jobId null for the tenant listing */
    private void jobs(Context exchange, String jobId) {
        if (!authorized(exchange)) {
            return;
        }
        if (directory == null) {
            exchange.header("Retry-After", "1");
            send(exchange, 503, error("starting"));
            return;
        }
        try {
            boolean localOnly = "true".equals(exchange.queryParam("local"));
            if (jobId == null) {
                String tenant = exchange.queryParam("tenant");
                if (tenant == null || tenant.isBlank()) {
                    send(exchange, 400, error("query parameter tenant is required, e.g. /jobs?tenant=acme"));
                    return;
                }
                listTenant(exchange, tenant, localOnly);
                return;
            }
            if (jobId.isEmpty() || jobId.contains("/")) {
                send(exchange, 404, error("no such endpoint: " + exchange.path()));
                return;
            }
            oneJob(exchange, jobId, localOnly);
        } catch (InvalidStateStoreException e) {
            send(exchange, 503, error("job store not queryable right now: " + e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("job query {} failed", exchange.path(), e);
            send(exchange, 500, error(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    private void oneJob(Context exchange, String jobId, boolean localOnly) {
        JobDirectory.Location location = directory.locate(jobId);
        switch (location.kind()) {
            case UNAVAILABLE -> {
                exchange.header("Retry-After", "1");
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

    private void forward(Context exchange, HostInfo owner, String pathAndQuery, String ownerText) {
        try {
            HttpResponse<String> response = peers.send(peerRequest("http://" + ownerText + pathAndQuery).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            exchange.header(SERVED_BY, ownerText);
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

    private void listTenant(Context exchange, String tenant, boolean localOnly) {
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

    private boolean authorized(Context exchange) {
        if (token == null) {
            return true;
        }
        String header = exchange.header("Authorization");
        byte[] presented = header != null && header.startsWith("Bearer ")
                ? header.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (java.security.MessageDigest.isEqual(token, presented)) {
            return true;
        }
        exchange.header("WWW-Authenticate", "Bearer realm=\"cdiff-internal\"");
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

    private static void send(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json; charset=utf-8")
                    .result(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

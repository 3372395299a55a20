package dev.cdiff.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.gateway.GatewaySettings;
import dev.cdiff.gateway.TenantActions;
import dev.cdiff.gateway.TenantIds;
import dev.cdiff.gateway.jobs.JobViews;
import dev.cdiff.gateway.jobs.OrchestratorJobs;
import dev.cdiff.gateway.keys.ApiKeyStore;
import dev.cdiff.gateway.links.DownloadLinks;
import dev.cdiff.platform.health.HealthCheck;
import dev.cdiff.platform.health.HealthServer;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.ParsedEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The public API on Javalin (Jetty underneath). Every {@code /v1} endpoint but downloads needs an API key
 * ({@code Authorization: Bearer cdk_...} or {@code X-Api-Key: cdk_...}); the tenant is the key's, and a request that
 * names a tenant itself is refused. The endpoints are described in {@code openapi.yaml}, served at
 * {@value #OPENAPI_PATH}. Another tenant's job answers exactly like an unknown one (404), so job ids cannot be
 * probed. Limits come from the server's configuration: JSON bodies from {@code http.maxRequestSize}, uploads from
 * the multipart config, a stalled body from Jetty's idle timeout; {@link BodyDeadline} bounds a trickled one.
 */
public final class GatewayHttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHttpApi.class);
    public static final String OPENAPI_PATH = "/openapi.yaml";
    static final long MAX_JSON_BYTES = 64 * 1024;
    /** How far past its limit an oversized body is still read, so that its refusal reaches the client. */
    static final long DRAIN_FLOOR_BYTES = 16L << 20;
    private static final String TENANT = "cdiff.tenant";

    private final Javalin app;
    private final GatewaySettings settings;
    private final ApiKeyStore keys;
    private final OrchestratorJobs jobs;
    private final DownloadLinks links;
    private final ArtifactStore store;
    private final TenantActions actions;
    private final BodyDeadline bodyDeadline;
    private final Map<String, HealthCheck> readiness;

    /**
     * @param readiness the dependencies that must answer for {@code /health/ready}
     * @param moreRoutes further routes on the same server (the console)
     */
    public GatewayHttpApi(GatewaySettings settings, ApiKeyStore keys, OrchestratorJobs jobs, DownloadLinks links,
                          ArtifactStore store, TenantActions actions, BodyDeadline bodyDeadline,
                          Map<String, HealthCheck> readiness, Consumer<RoutesConfig> moreRoutes) {
        this.settings = settings;
        this.keys = keys;
        this.jobs = jobs;
        this.links = links;
        this.store = store;
        this.actions = actions;
        this.bodyDeadline = bodyDeadline;
        this.readiness = Map.copyOf(readiness);
        this.app = Javalin.create(config -> {
            configure(config);
            routes(config.routes);
            moreRoutes.accept(config.routes);
        });
    }

    private void configure(JavalinConfig config) {
        config.startup.showJavalinBanner = false;
        config.http.maxRequestSize = MAX_JSON_BYTES;
        config.http.prefer405over404 = true;
        long maxUpload = settings.maxUploadBytes();
        config.jetty.multipartConfig.maxTotalRequestSize(maxUpload, SizeUnit.BYTES);
        config.jetty.multipartConfig.maxFileSize(maxUpload, SizeUnit.BYTES);
        config.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(maxUpload, 1 << 20), SizeUnit.BYTES);
        config.jetty.timeoutStatus = 408;
        // a request whose body stops arriving is ended by the stream's idle timeout
        config.jetty.modifyHttpConfiguration(http -> {
            http.setIdleTimeout(settings.bodyTimeout().toMillis());
            http.setSendServerVersion(false);
        });
        config.jetty.modifyServer(server -> server.setStopTimeout(1000));
    }

    private void routes(RoutesConfig r) {
        r.get("/healthz", ctx -> HttpIo.send(ctx, 200, HttpIo.JSON.createObjectNode().put("status", "ok")));
        r.get("/health/live", ctx -> health(ctx, Map.of("http", () -> HealthCheck.Result.ok("serving"))));
        r.get("/health/ready", ctx -> health(ctx, readiness));
        r.get(OPENAPI_PATH, this::openApi);
        r.get(DownloadLinks.PATH, this::download);
        r.before("/v1/*", ctx -> {
            if (!ctx.path().equals(DownloadLinks.PATH)) {
                String tenant = authenticate(ctx);
                refuseTenantField(HttpIo.query(ctx.queryString()).keySet());
                ctx.attribute(TENANT, tenant);
            }
        });
        r.get("/v1/whoami", ctx -> HttpIo.send(ctx, 200, HttpIo.JSON.createObjectNode().put("tenant", tenant(ctx))));
        r.post("/v1/concepts", ctx -> HttpIo.send(ctx, 202, actions.uploadConcept(tenant(ctx),
                MultipartForm.parts(ctx, bodyDeadline, settings.maxUploadBytes()))));
        r.post("/v1/concepts/from-storage", ctx ->
                HttpIo.send(ctx, 202, actions.conceptFromStorage(tenant(ctx), jsonBody(ctx))));
        r.post("/v1/concepts/joint", ctx -> HttpIo.send(ctx, 202, actions.uploadJointConcepts(tenant(ctx),
                MultipartForm.parts(ctx, bodyDeadline, settings.maxUploadBytes()))));
        r.post("/v1/concepts/joint/from-storage", ctx ->
                HttpIo.send(ctx, 202, actions.jointConceptsFromStorage(tenant(ctx), jsonBody(ctx))));
        r.post("/v1/merges", ctx -> HttpIo.send(ctx, 202, actions.merge(tenant(ctx), jsonBody(ctx))));
        r.post("/v1/samples", ctx -> HttpIo.send(ctx, 202, actions.sample(tenant(ctx), jsonBody(ctx))));
        r.get("/v1/jobs", ctx -> HttpIo.send(ctx, 200, HttpIo.JSON.createObjectNode().put("tenant", tenant(ctx))
                .set("jobs", jobs.jobsOf(tenant(ctx)))));
        r.get("/v1/jobs/{jobId}", ctx -> HttpIo.send(ctx, 200, job(ctx)));
        r.get("/v1/jobs/{jobId}/events", ctx -> HttpIo.send(ctx, 200, events(job(ctx))));
        r.get("/v1/jobs/{jobId}/loss", ctx -> HttpIo.send(ctx, 200,
                JobViews.lossCurve(ctx.pathParam("jobId"), job(ctx))));
        r.get("/v1/jobs/{jobId}/artifacts", ctx -> HttpIo.send(ctx, 200, JobViews.artifacts(baseUrl(ctx),
                tenant(ctx), ctx.pathParam("jobId"), job(ctx), links)));

        r.exception(HttpIo.Refusal.class, (e, ctx) -> HttpIo.send(ctx, e));
        r.exception(OrchestratorJobs.Unavailable.class, (e, ctx) -> {
            LOG.warn("job query failed: {}", e.getMessage());
            HttpIo.send(ctx, 503, HttpIo.error("UNAVAILABLE", "job status cannot be read right now; retry later"));
        });
        r.exception(HttpResponseException.class, (e, ctx) -> HttpIo.send(ctx, e.getStatus(),
                HttpIo.error(reasonCode(e.getStatus()), e.getStatus() == 404 ? "no such endpoint: "
                        + printable(ctx.path()) : printable(e.getMessage()))));
        r.exception(Exception.class, (e, ctx) -> {
            LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
            HttpIo.send(ctx, 500, HttpIo.error("INTERNAL", "the request failed inside the service; nothing was"
                    + " started"));
        });
    }

    public void start() {
        app.start(settings.httpHost(), settings.httpPort());
        LOG.info("gateway listening on {}:{}", settings.httpHost(), port());
    }

    public int port() {
        return app.port();
    }

    /** Method and path of every HTTP route the server serves (before-handlers excluded). */
    public List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream().map(p -> p.endpoint)
                .filter(e -> e.method.isHttpMethod())
                .map(e -> e.method.name() + " " + e.path).toList();
    }

    /**
     * Stops the server. Requests still in flight after the one-second grace period are cut off: Jetty then stops
     * anyway and only reports the timeout, which is logged here rather than failing the shutdown of the process.
     */
    @Override
    public void close() {
        try {
            app.stop();
        } catch (io.javalin.util.JavalinException e) {
            if (!(e.getCause() instanceof java.util.concurrent.TimeoutException)) {
                throw e;
            }
            LOG.warn("gateway stopped with requests still in flight after the grace period; they were cut off");
        }
    }

    private static String tenant(Context ctx) {
        return ctx.attribute(TENANT);
    }

    private String authenticate(Context ctx) throws HttpIo.Refusal {
        String header = ctx.header("Authorization");
        String presented = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = header.substring(7).strip();
        } else if (ctx.header("X-Api-Key") != null) {
            presented = ctx.header("X-Api-Key");
        }
        if (presented == null || presented.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"cdiff\"");
            throw new HttpIo.Refusal(401, "UNAUTHENTICATED", "an API key is required: send 'Authorization: Bearer"
                    + " cdk_...' (or X-Api-Key)");
        }
        Optional<String> tenant = keys.authenticate(presented);
        if (tenant.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"cdiff\", error=\"invalid_token\"");
            throw new HttpIo.Refusal(401, "UNAUTHENTICATED", "the API key is unknown or revoked");
        }
        return tenant.get();
    }

    /** The tenant is the key's: a request that also names one is refused rather than quietly half-obeyed. */
    public static void refuseTenantField(Iterable<String> names) throws HttpIo.Refusal {
        for (String name : names) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.equals("tenant") || n.equals("tenantid") || n.equals("tenant_id")) {
                throw new HttpIo.Refusal(400, "TENANT_FROM_REQUEST", "'" + name + "' is not accepted: the tenant is"
                        + " the one the API key belongs to");
            }
        }
    }

    /**
     * A declared length over the limit is refused before the body is used. Up to the limit plus the larger of the
     * limit and {@value #DRAIN_FLOOR_BYTES} bytes, the body is first read and thrown away, under the body deadline:
     * most clients send the whole body without waiting for an answer, and a connection closed on unread bytes is
     * reset, which can destroy the 413 before the client reads it (the client then sees a broken connection instead
     * of the reason). A larger declaration is refused at once, without reading a byte.
     */
    static void refuseDeclaredLength(Context ctx, long maxBytes, BodyDeadline deadline) throws HttpIo.Refusal {
        String declared = ctx.header("Content-Length");
        if (declared == null) {
            return;
        }
        long length;
        try {
            length = Long.parseLong(declared.strip());
        } catch (NumberFormatException e) {
            throw new HttpIo.Refusal(400, "MALFORMED_REQUEST", "Content-Length is not a number", true);
        }
        if (length <= maxBytes) {
            return;
        }
        if (length - maxBytes <= Math.max(maxBytes, DRAIN_FLOOR_BYTES)) {
            try {
                // the declared length ends the servlet stream, so this reads exactly the body
                deadline.read(ctx, () -> ctx.req().getInputStream()
                        .transferTo(java.io.OutputStream.nullOutputStream()));
            } catch (Exception e) {
                // the body broke off or missed the deadline: the refusal below stands, sent as well as it can be
            }
        }
        throw new HttpIo.Refusal(413, "REQUEST_TOO_LARGE", "the request body exceeds " + maxBytes
                + " bytes; send fewer or smaller images", true);
    }

    private JsonNode jsonBody(Context ctx) throws Exception {
        String type = ctx.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new HttpIo.Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "send application/json", true);
        }
        refuseDeclaredLength(ctx, MAX_JSON_BYTES, bodyDeadline);
        byte[] body = bodyDeadline.read(ctx, () -> {
            try {
                return ctx.bodyAsBytes();
            } catch (HttpResponseException e) {
                throw new HttpIo.Refusal(413, "REQUEST_TOO_LARGE", "the request body exceeds " + MAX_JSON_BYTES
                        + " bytes", true);
            }
        });
        JsonNode node;
        try {
            node = HttpIo.JSON.readTree(body);
        } catch (IOException e) {
            throw new HttpIo.Refusal(400, "MALFORMED_REQUEST", "the body is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new HttpIo.Refusal(400, "MALFORMED_REQUEST", "the body must be a JSON object");
        }
        refuseTenantField(node::fieldNames);
        return node;
    }

    private JsonNode job(Context ctx) throws HttpIo.Refusal, OrchestratorJobs.Unavailable {
        String jobId = ctx.pathParam("jobId");
        if (!TenantIds.isJobId(jobId)) {
            throw new HttpIo.Refusal(404, "NOT_FOUND", "no job " + printable(jobId));
        }
        return jobs.jobOf(tenant(ctx), jobId).orElseThrow(() ->
                new HttpIo.Refusal(404, "NOT_FOUND", "no job " + jobId));
    }

    private static ObjectNode events(JsonNode job) {
        ObjectNode body = HttpIo.JSON.createObjectNode().put("jobId", job.path("jobId").asText());
        body.set("events", job.path("history"));
        if (job.has("historyDropped")) {
            body.set("dropped", job.get("historyDropped"));
        }
        if (job.has("eventCounts")) {
            body.set("counts", job.get("eventCounts"));
        }
        return body;
    }

    private static String baseUrl(Context ctx) {
        String host = ctx.header("Host");
        if (host == null || !host.matches("[A-Za-z0-9.:\\[\\]-]{1,255}")) {
            host = ctx.req().getLocalAddr() + ":" + ctx.req().getLocalPort();
        }
        return "http://" + host;
    }

    private void health(Context ctx, Map<String, HealthCheck> checks) {
        Map.Entry<Boolean, ObjectNode> verdict = HealthServer.evaluate(checks);
        HttpIo.send(ctx, verdict.getKey() ? 200 : 503, verdict.getValue());
    }

    private void openApi(Context ctx) {
        try (InputStream in = GatewayHttpApi.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the gateway's jar");
            }
            ctx.contentType("application/yaml; charset=utf-8").result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void download(Context ctx) throws HttpIo.Refusal {
        DownloadLinks.Verdict verdict = links.verify(HttpIo.query(ctx.queryString()));
        if (verdict instanceof DownloadLinks.Verdict.Refused refused) {
            throw new HttpIo.Refusal(refused.status(), refused.reasonCode(), refused.reason());
        }
        String key = ((DownloadLinks.Verdict.Granted) verdict).key();
        ObjectSummary stat = store.stat(key).orElseThrow(() ->
                new HttpIo.Refusal(404, "NOT_FOUND", "the artifact no longer exists"));
        String fileName = key.substring(key.lastIndexOf('/') + 1);
        ctx.contentType(mediaType(fileName))
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .header("Cache-Control", "private, no-store")
                .header("X-Content-Type-Options", "nosniff");
        ctx.res().setContentLengthLong(stat.sizeBytes());
        ctx.result(store.open(key));
    }

    private static String mediaType(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        if (n.endsWith(".png")) {
            return "image/png";
        }
        if (n.endsWith(".jpg") || n.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        if (n.endsWith(".webp")) {
            return "image/webp";
        }
        return "application/octet-stream";
    }

    private static String reasonCode(int status) {
        return switch (status) {
            case 400 -> "MALFORMED_REQUEST";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 408 -> "REQUEST_TIMEOUT";
            case 413 -> "REQUEST_TOO_LARGE";
            default -> "HTTP_" + status;
        };
    }

    public static String printable(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.length() && i < 80; i++) {
            char c = value.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}

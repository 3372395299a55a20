package dev.cdiff.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cdiff.gateway.GatewaySettings;
import dev.cdiff.gateway.TenantActions;
import dev.cdiff.gateway.TenantIds;
import dev.cdiff.gateway.jobs.OrchestratorJobs;
import dev.cdiff.gateway.keys.ApiKeyStore;
import dev.cdiff.gateway.links.DownloadLinks;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The public API (JDK HTTP server, JSON). Every {@code /v1} endpoint but downloads needs an API key
 * ({@code Authorization: Bearer cdk_...} or {@code X-Api-Key: cdk_...}); the tenant is the key's, and a request that
 * names a tenant itself is refused. Endpoints:
 * <ul>
 * <li>{@code GET /v1/whoami}: the key's tenant</li>
 * <li>{@code POST /v1/concepts} (multipart: images, conceptName, classWord, optional initializerWord and caption per
 * image): stores the images under the tenant's prefix and starts a concept job</li>
 * <li>{@code POST /v1/concepts/from-storage} (JSON: conceptName, classWord, initializerWord?, captions?,
 * sourceKeys): a concept job from images already under {@code tenants/<tenant>/}</li>
 * <li>{@code POST /v1/concepts/joint} (multipart: {@code concept<N>.conceptName}, {@code .classWord},
 * {@code .initializerWord}, {@code .token}, {@code .caption} and {@code concept<N>.image} file parts, N = 1..4) and
 * {@code POST /v1/concepts/joint/from-storage} (JSON: concepts, each as from-storage plus token?): one joint job
 * learning 2-4 concepts, each under its own token, in one run and one delta</li>
 * <li>{@code POST /v1/merges} (JSON: jobs, name?, regularizationCaptions?) and {@code POST /v1/samples} (JSON: job?,
 * prompts, negativePrompt?, steps?, guidanceScale?, scheduler?, seed?, imagesPerPrompt?): new jobs over the deltas of
 * the tenant's own finished jobs</li>
 * <li>{@code GET /v1/jobs}, {@code GET /v1/jobs/{id}}, {@code .../events}, {@code .../loss}, {@code .../artifacts}
 * (each artifact with a short-lived download link)</li>
 * <li>{@code GET /v1/downloads?...}: an artifact, for a valid unexpired link (the link is the credential)</li>
 * <li>{@code GET /healthz}</li>
 * </ul>
 * Another tenant's job answers exactly like an unknown one (404), so job ids cannot be probed.
 */
public final class GatewayHttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHttpApi.class);
    private static final long MAX_JSON_BYTES = 64 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService watchdog;
    private final GatewaySettings settings;
    private final ApiKeyStore keys;
    private final OrchestratorJobs jobs;
    private final DownloadLinks links;
    private final ArtifactStore store;
    private final TenantActions actions;

    public GatewayHttpApi(GatewaySettings settings, ApiKeyStore keys, OrchestratorJobs jobs, DownloadLinks links,
                          ArtifactStore store, TenantActions actions) throws IOException {
        this.settings = settings;
        this.keys = keys;
        this.jobs = jobs;
        this.links = links;
        this.store = store;
        this.actions = actions;
        this.server = HttpServer.create(new InetSocketAddress(settings.httpHost(), settings.httpPort()), 64);
        AtomicInteger threads = new AtomicInteger();
        // slow clients hold a worker each until their deadline: enough workers that a few cannot starve the rest
        this.executor = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "gateway-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-body-deadline");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public void start() {
        server.start();
        LOG.info("gateway listening on {}", server.getAddress());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        watchdog.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        // not try-with-resources: that would close the exchange before a catch block could answer on it
        try {
            route(ex);
        } catch (HttpIo.Refusal r) {
            try {
                HttpIo.send(ex, r);
            } catch (IOException e) {
                LOG.debug("could not send refusal {}: {}", r.reasonCode, e.toString());
            }
        } catch (OrchestratorJobs.Unavailable e) {
            LOG.warn("job query failed: {}", e.getMessage());
            trySend(ex, 503, HttpIo.error("UNAVAILABLE", "job status cannot be read right now; retry later"));
        } catch (IOException e) {
            LOG.debug("request {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e.toString());
        } catch (RuntimeException e) {
            LOG.error("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
            trySend(ex, 500, HttpIo.error("INTERNAL", "the request failed inside the service; nothing was started"));
        } finally {
            ex.close();
        }
    }

    private static void trySend(HttpExchange ex, int status, JsonNode body) {
        try {
            HttpIo.send(ex, status, body);
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not answer {}: {}", status, e.toString());
        }
    }

    private void route(HttpExchange ex) throws IOException, HttpIo.Refusal, OrchestratorJobs.Unavailable {
        String path = ex.getRequestURI().getRawPath();
        String method = ex.getRequestMethod();
        if (path.equals("/healthz")) {
            HttpIo.send(ex, 200, HttpIo.JSON.createObjectNode().put("status", "ok"));
            return;
        }
        if (path.equals(DownloadLinks.PATH)) {
            requireMethod(ex, "GET");
            download(ex);
            return;
        }
        if (!path.startsWith("/v1/")) {
            throw new HttpIo.Refusal(404, "NOT_FOUND", "no such endpoint: " + path);
        }
        String tenant = authenticate(ex);
        Map<String, String> query = HttpIo.query(ex.getRequestURI());
        refuseTenantField(query.keySet());
        switch (path) {
            case "/v1/whoami" -> {
                requireMethod(ex, "GET");
                HttpIo.send(ex, 200, HttpIo.JSON.createObjectNode().put("tenant", tenant));
            }
            case "/v1/concepts" -> {
                requireMethod(ex, "POST");
                HttpIo.send(ex, 202, actions.uploadConcept(tenant, multipart(ex)));
            }
            case "/v1/concepts/from-storage" -> {
                requireMethod(ex, "POST");
                HttpIo.send(ex, 202, actions.conceptFromStorage(tenant, jsonBody(ex)));
            }
            case "/v1/concepts/joint" -> {
                requireMethod(ex, "POST");
                HttpIo.send(ex, 202, actions.uploadJointConcepts(tenant, multipart(ex)));
            }
            case "/v1/concepts/joint/from-storage" -> {
                requireMethod(ex, "POST");
                HttpIo.send(ex, 202, actions.jointConceptsFromStorage(tenant, jsonBody(ex)));
            }
            case "/v1/merges" -> {
                requireMethod(ex, "POST");
                HttpIo.send(ex, 202, actions.merge(tenant, jsonBody(ex)));
            }
            case "/v1/samples" -> {
                requireMethod(ex, "POST");
                HttpIo.send(ex, 202, actions.sample(tenant, jsonBody(ex)));
            }
            case "/v1/jobs", "/v1/jobs/" -> {
                requireMethod(ex, "GET");
                HttpIo.send(ex, 200, HttpIo.JSON.createObjectNode().put("tenant", tenant)
                        .set("jobs", jobs.jobsOf(tenant)));
            }
            default -> {
                if (!path.startsWith("/v1/jobs/")) {
                    throw new HttpIo.Refusal(404, "NOT_FOUND", "no such endpoint: " + path);
                }
                requireMethod(ex, "GET");
                jobView(ex, tenant, path.substring("/v1/jobs/".length()));
            }
        }
    }

    private String authenticate(HttpExchange ex) throws HttpIo.Refusal {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        String presented = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = header.substring(7).strip();
        } else if (ex.getRequestHeaders().getFirst("X-Api-Key") != null) {
            presented = ex.getRequestHeaders().getFirst("X-Api-Key");
        }
        if (presented == null || presented.isEmpty()) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"cdiff\"");
            throw new HttpIo.Refusal(401, "UNAUTHENTICATED", "an API key is required: send 'Authorization: Bearer"
                    + " cdk_...' (or X-Api-Key)");
        }
        Optional<String> tenant = keys.authenticate(presented);
        if (tenant.isEmpty()) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"cdiff\", error=\"invalid_token\"");
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

    private static void requireMethod(HttpExchange ex, String method) throws HttpIo.Refusal {
        if (!method.equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", method);
            throw new HttpIo.Refusal(405, "METHOD_NOT_ALLOWED", "use " + method);
        }
    }

    private List<MultipartPart> multipart(HttpExchange ex) throws HttpIo.Refusal, IOException {
        String boundary;
        try {
            boundary = MultipartParser.boundary(ex.getRequestHeaders().getFirst("Content-Type"));
        } catch (MalformedMultipartException e) {
            throw new HttpIo.Refusal(415, "UNSUPPORTED_MEDIA_TYPE", e.getMessage(), true);
        }
        byte[] body = HttpIo.readBody(ex, settings.maxUploadBytes(), settings.bodyTimeout(), watchdog);
        try {
            return MultipartParser.parse(body, boundary);
        } catch (MalformedMultipartException e) {
            throw new HttpIo.Refusal(400, "MALFORMED_REQUEST", e.getMessage());
        }
    }

    private JsonNode jsonBody(HttpExchange ex) throws HttpIo.Refusal, IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new HttpIo.Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "send application/json", true);
        }
        byte[] body = HttpIo.readBody(ex, MAX_JSON_BYTES, settings.bodyTimeout(), watchdog);
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

    private void jobView(HttpExchange ex, String tenant, String rest)
            throws IOException, HttpIo.Refusal, OrchestratorJobs.Unavailable {
        int slash = rest.indexOf('/');
        String jobId = URLDecoder.decode(slash < 0 ? rest : rest.substring(0, slash), StandardCharsets.UTF_8);
        String view = slash < 0 ? "" : rest.substring(slash + 1);
        if (!TenantIds.isJobId(jobId)) {
            throw new HttpIo.Refusal(404, "NOT_FOUND", "no job " + printable(jobId));
        }
        JsonNode job = jobs.jobOf(tenant, jobId).orElseThrow(() ->
                new HttpIo.Refusal(404, "NOT_FOUND", "no job " + jobId));
        switch (view) {
            case "" -> HttpIo.send(ex, 200, job);
            case "events" -> {
                ObjectNode body = HttpIo.JSON.createObjectNode().put("jobId", jobId);
                body.set("events", job.path("history"));
                if (job.has("historyDropped")) {
                    body.set("dropped", job.get("historyDropped"));
                }
                if (job.has("eventCounts")) {
                    body.set("counts", job.get("eventCounts"));
                }
                HttpIo.send(ex, 200, body);
            }
            case "loss" -> HttpIo.send(ex, 200, lossCurve(jobId, job));
            case "artifacts" -> HttpIo.send(ex, 200, artifacts(ex, tenant, jobId, job));
            default -> throw new HttpIo.Refusal(404, "NOT_FOUND", "no such view of a job: " + printable(view));
        }
    }

    /** The orchestrator's downsampled curve when it keeps one, else the latest report as a one-point curve. */
    static ObjectNode lossCurve(String jobId, JsonNode job) {
        ObjectNode body = HttpIo.JSON.createObjectNode().put("jobId", jobId);
        ArrayNode points = body.putArray("points");
        JsonNode curve = job.path("lossCurve");
        if (curve.path("steps").isArray()) {
            for (int i = 0; i < curve.path("steps").size() && i < curve.path("losses").size(); i++) {
                points.addObject().put("step", curve.path("steps").get(i).asInt())
                        .put("loss", curve.path("losses").get(i).asDouble());
            }
        } else if (job.path("progress").has("step")) {
            points.addObject().put("step", job.path("progress").path("step").asInt())
                    .put("loss", job.path("progress").path("loss").asDouble());
        }
        if (job.path("progress").has("totalSteps")) {
            body.put("totalSteps", job.path("progress").path("totalSteps").asInt());
        }
        if (job.path("delta").has("finalLoss")) {
            body.put("finalLoss", job.path("delta").path("finalLoss").asDouble());
        }
        return body;
    }

    private ObjectNode artifacts(HttpExchange ex, String tenant, String jobId, JsonNode job) {
        ObjectNode body = HttpIo.JSON.createObjectNode().put("jobId", jobId);
        ArrayNode list = body.putArray("artifacts");
        job.path("concept").path("images").forEach(a -> addArtifact(ex, tenant, list, "concept-image", a));
        addArtifact(ex, tenant, list, "delta", job.path("delta").path("artifact"));
        addArtifact(ex, tenant, list, "merged-delta", job.path("merge").path("merged"));
        job.path("samples").path("images").forEach(a -> addArtifact(ex, tenant, list, "sample-image", a));
        return body;
    }

    private void addArtifact(HttpExchange ex, String tenant, ArrayNode list, String role, JsonNode artifact) {
        String key = artifact.path("key").asText(null);
        if (key == null) {
            return;
        }
        // a status that names a key outside the tenant's prefix gets no link: the link would be refused anyway
        links.issue(tenant, key).ifPresent(link -> {
            ObjectNode entry = list.addObject().put("role", role).put("key", key);
            entry.set("sha256", artifact.path("sha256"));
            entry.set("sizeBytes", artifact.path("sizeBytes"));
            entry.set("mediaType", artifact.path("mediaType"));
            entry.put("url", baseUrl(ex) + link.pathAndQuery()).put("expiresAt", link.expires().toString());
        });
    }

    private static String baseUrl(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || !host.matches("[A-Za-z0-9.:\\[\\]-]{1,255}")) {
            host = ex.getLocalAddress().getHostString() + ":" + ex.getLocalAddress().getPort();
        }
        return "http://" + host;
    }

    private void download(HttpExchange ex) throws IOException, HttpIo.Refusal {
        DownloadLinks.Verdict verdict = links.verify(HttpIo.query(ex.getRequestURI()));
        if (verdict instanceof DownloadLinks.Verdict.Refused refused) {
            throw new HttpIo.Refusal(refused.status(), refused.reasonCode(), refused.reason());
        }
        String key = ((DownloadLinks.Verdict.Granted) verdict).key();
        ObjectSummary stat = store.stat(key).orElseThrow(() ->
                new HttpIo.Refusal(404, "NOT_FOUND", "the artifact no longer exists"));
        String fileName = key.substring(key.lastIndexOf('/') + 1);
        ex.getResponseHeaders().set("Content-Type", mediaType(fileName));
        ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"" + fileName + "\"");
        ex.getResponseHeaders().set("Cache-Control", "private, no-store");
        ex.sendResponseHeaders(200, stat.sizeBytes() == 0 ? -1 : stat.sizeBytes());
        try (InputStream in = store.open(key); OutputStream out = ex.getResponseBody()) {
            in.transferTo(out);
        }
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

    private static String printable(String value) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.length() && i < 80; i++) {
            char c = value.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}

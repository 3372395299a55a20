package dev.cdiff.ingestion.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cdiff.ingestion.IngestionOutcome;
import dev.cdiff.ingestion.Submission;
import dev.cdiff.ingestion.validate.SubmittedImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * {@code POST /v1/concepts} (multipart/form-data): files (any part with a filename, in order), fields
 * {@code conceptName}, {@code classWord}, optional {@code initializerWord}, optional repeated {@code caption}
 * (one per image, in image order). Header {@code X-Api-Key} selects the tenant.
 * Answers 202 {jobId, conceptId, images}; 401 without a known key; 413 when the body exceeds the limit;
 * 415/400 for a body that is not well-formed multipart; 422 {reasonCode, reason, offendingItems} when the concept is
 * rejected. {@code GET /healthz} answers 200.
 */
public final class IngestionHttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestionHttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final ApiKeys apiKeys;
    /** Oversized bodies are drained (not kept) up to this multiple of the limit before answering 413. */
    private static final long DISCARD_FACTOR = 4;
    private final long maxBodyBytes;
    private final Function<Submission, IngestionOutcome> handler;

    /**
     * @param handler validates, stores and announces a submission (runs on a small worker pool, so a slow upload
     *                never blocks the accept loop)
     */
    public IngestionHttpApi(InetSocketAddress address, ApiKeys apiKeys, long maxBodyBytes,
                            Function<Submission, IngestionOutcome> handler) throws IOException {
        this.apiKeys = apiKeys;
        this.maxBodyBytes = maxBodyBytes;
        this.handler = handler;
        this.server = HttpServer.create(address, 16);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ingestion-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/v1/concepts", this::handleConcepts);
        server.createContext("/healthz", ex -> respond(ex, 200, JSON.createObjectNode().put("status", "ok")));
    }

    public void start() {
        server.start();
        LOG.info("ingestion HTTP API listening on {}", server.getAddress());
    }

    /** Bound port (useful when configured with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handleConcepts(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().add("Allow", "POST");
                respond(ex, 405, error("METHOD_NOT_ALLOWED", "use POST with multipart/form-data"));
                return;
            }
            String tenant = apiKeys.tenantOf(ex.getRequestHeaders().getFirst("X-Api-Key")).orElse(null);
            if (tenant == null) {
                respond(ex, 401, error("UNAUTHORIZED", "missing or unknown X-Api-Key header"));
                return;
            }
            String boundary;
            try {
                boundary = MultipartParser.boundary(ex.getRequestHeaders().getFirst("Content-Type"));
            } catch (MalformedMultipartException e) {
                respond(ex, 415, error("UNSUPPORTED_MEDIA_TYPE", e.getMessage()));
                return;
            }
            byte[] body = readBounded(ex);
            if (body == null) {
                respond(ex, 413, error("REQUEST_TOO_LARGE", "the request body exceeds " + maxBodyBytes
                        + " bytes; send fewer or smaller images"));
                return;
            }
            Submission submission;
            try {
                submission = toSubmission(tenant, MultipartParser.parse(body, boundary));
            } catch (MalformedMultipartException e) {
                respond(ex, 400, error("MALFORMED_REQUEST", e.getMessage()));
                return;
            }
            IngestionOutcome outcome;
            try {
                outcome = handler.apply(submission);
            } catch (RuntimeException e) {
                LOG.error("ingestion of job {} failed", submission.jobId(), e);
                respond(ex, 503, error("UNAVAILABLE", "the submission could not be stored right now; retry later"));
                return;
            }
            if (outcome instanceof IngestionOutcome.Accepted a) {
                respond(ex, 202, JSON.createObjectNode().put("jobId", a.jobId()).put("conceptId", a.conceptId())
                        .put("images", a.imageCount()));
            } else if (outcome instanceof IngestionOutcome.Rejected r) {
                ObjectNode node = error(r.reasonCode(), r.reason()).put("jobId", r.jobId());
                r.offendingItems().forEach(node.putArray("offendingItems")::add);
                respond(ex, 422, node);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("ingestion request failed: {}", e.toString());
        }
    }

    private static Submission toSubmission(String tenant, List<MultipartPart> parts) {
        String conceptName = null;
        String classWord = null;
        String initializer = null;
        List<String> captions = new ArrayList<>();
        List<SubmittedImage> images = new ArrayList<>();
        for (MultipartPart part : parts) {
            if (part.isFile()) {
                String name = part.fileName().isEmpty() ? "image-" + (images.size() + 1) : part.fileName();
                images.add(new SubmittedImage(name, part.body()));
                continue;
            }
            switch (part.name()) {
                case "conceptName" -> conceptName = part.text();
                case "classWord" -> classWord = part.text();
                case "initializerWord" -> initializer = part.text();
                case "caption", "captions" -> captions.add(part.text());
                default -> {
                    // unknown text fields are ignored so clients may add fields ahead of the server
                }
            }
        }
        return new Submission(tenant, UUID.randomUUID().toString(), conceptName, classWord, initializer, images,
                captions, null, "http", null);
    }

    /**
     * Body bytes, or null when it is longer than the limit (checked while reading, not trusting Content-Length).
     * An oversized body is still read and discarded up to a bound, without keeping it: answering 413 while the
     * client is mid-upload and closing makes the socket reset, and the client never sees the explanation.
     */
    private byte[] readBounded(HttpExchange ex) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long discardLimit = maxBodyBytes * DISCARD_FACTOR;
        long read = 0;
        boolean tooLarge = false;
        try (InputStream in = ex.getRequestBody()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                read += n;
                if (read > maxBodyBytes) {
                    tooLarge = true;
                    if (read > discardLimit) {
                        break;
                    }
                } else {
                    out.write(buf, 0, n);
                }
            }
        }
        if (tooLarge) {
            ex.getResponseHeaders().set("Connection", "close");
            return null;
        }
        return out.toByteArray();
    }

    private static ObjectNode error(String code, String reason) {
        return JSON.createObjectNode().put("reasonCode", code).put("reason", reason);
    }

    private static void respond(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }
}

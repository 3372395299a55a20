package dev.cdiff.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** Reads job status from the orchestrator's HTTP endpoint ({@code GET /jobs/{id}}, {@code GET /jobs?tenant=}). */
public final class OrchestratorClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public OrchestratorClient(String baseUrl) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
    }

    /** The job's status, or empty when the orchestrator does not know it (yet). */
    public Optional<JsonNode> job(String jobId) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8));
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        return Optional.of(ok(r));
    }

    public JsonNode jobs(String tenant) throws IOException, InterruptedException {
        return ok(get("/jobs?tenant=" + URLEncoder.encode(tenant, StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(HttpResponse<String> r) throws IOException {
        if (r.statusCode() != 200) {
            throw new IOException("orchestrator answered HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}

package dev.cdiff.gateway.jobs;

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

/**
 * The orchestrator's internal job-status endpoint as the gateway reads it: with the service token, and only ever
 * answering the caller's own jobs. A job of another tenant is reported exactly like a job that does not exist, so
 * the answer never tells one tenant that another's job id is real.
 */
public final class OrchestratorJobs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String serviceToken;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param serviceToken sent as a bearer token; null when the orchestrator requires none (loopback only) */
    public OrchestratorJobs(String baseUrl, String serviceToken) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        this.serviceToken = serviceToken;
    }

    /** The orchestrator could not be asked; the gateway answers 503. */
    public static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The job's status document when it exists and belongs to {@code tenant}. */
    public Optional<JsonNode> jobOf(String tenant, String jobId) throws Unavailable {
        HttpResponse<String> r = get("/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8));
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        JsonNode job = ok(r);
        if (!tenant.equals(job.path("tenantId").asText(null))) {
            return Optional.empty();
        }
        return Optional.of(job);
    }

    /** The tenant's jobs (the orchestrator filters by tenant; each entry is checked once more here). */
    public JsonNode jobsOf(String tenant) throws Unavailable {
        JsonNode all = ok(get("/jobs?tenant=" + URLEncoder.encode(tenant, StandardCharsets.UTF_8)));
        var jobs = JSON.createArrayNode();
        all.path("jobs").forEach(j -> {
            if (tenant.equals(j.path("tenantId").asText(null))) {
                jobs.add(j);
            }
        });
        return jobs;
    }

    private HttpResponse<String> get(String pathAndQuery) throws Unavailable {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofSeconds(15)).GET();
        if (serviceToken != null) {
            request.header("Authorization", "Bearer " + serviceToken);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Unavailable("the orchestrator at " + base + " did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while asking the orchestrator", e);
        }
    }

    private JsonNode ok(HttpResponse<String> r) throws Unavailable {
        if (r.statusCode() != 200) {
            throw new Unavailable("the orchestrator answered HTTP " + r.statusCode() + ": " + r.body(), null);
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new Unavailable("the orchestrator's answer is not JSON: " + e.getMessage(), e);
        }
    }
}

package dev.cdiff.platform.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.metrics.ServiceMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probes and the scrape over real HTTP: status codes, JSON bodies and content types the deployments rely on. */
class HealthServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private HealthServer health;

    @BeforeEach
    void start() {
        health = HealthServer.start("health-test", "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        health.close();
    }

    @Test
    void withoutAnyCheckNothingClaimsToBeUp() throws Exception {
        HttpResponse<String> live = get("/health/live");
        assertEquals(503, live.statusCode());
        assertEquals("DOWN", JSON.readTree(live.body()).path("status").asText());
    }

    @Test
    void liveAndReadyAnswerEachChecksVerdictAsJson() throws Exception {
        AtomicBoolean brokerUp = new AtomicBoolean(false);
        health.liveness("loop", () -> HealthCheck.Result.ok("polling"))
                .readiness("broker", () -> brokerUp.get() ? HealthCheck.Result.ok("answers")
                        : HealthCheck.Result.down("no answer in 2s"));

        HttpResponse<String> live = get("/health/live");
        assertEquals(200, live.statusCode());
        assertEquals("application/json;charset=utf-8", mediaType(live));
        JsonNode liveBody = JSON.readTree(live.body());
        assertEquals("UP", liveBody.path("status").asText());
        assertEquals("polling", liveBody.path("checks").path("loop").path("detail").asText());
        assertFalse(liveBody.path("checks").has("broker"), "liveness must not depend on the broker");

        HttpResponse<String> notReady = get("/health/ready");
        assertEquals(503, notReady.statusCode());
        JsonNode notReadyBody = JSON.readTree(notReady.body());
        assertEquals("DOWN", notReadyBody.path("status").asText());
        assertEquals("UP", notReadyBody.path("checks").path("loop").path("status").asText());
        assertEquals("DOWN", notReadyBody.path("checks").path("broker").path("status").asText());
        assertEquals("no answer in 2s", notReadyBody.path("checks").path("broker").path("detail").asText());

        brokerUp.set(true);
        assertEquals(200, get("/health/ready").statusCode());
    }

    @Test
    void aCheckThatThrowsIsReportedDownNotAsAServerError() throws Exception {
        health.liveness("loop", () -> {
            throw new IllegalStateException("loop thread died");
        });
        HttpResponse<String> live = get("/health/live");
        assertEquals(503, live.statusCode());
        assertTrue(JSON.readTree(live.body()).path("checks").path("loop").path("detail").asText()
                .contains("loop thread died"), live.body());
    }

    @Test
    void metricsAreThePrometheusTextOfTheProcessMeters() throws Exception {
        ServiceMetrics.registry().counter("health_test_scrapes_total").increment();
        HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertEquals(ServiceMetrics.CONTENT_TYPE.replace(" ", ""), mediaType(metrics));
        assertTrue(metrics.body().contains("health_test_scrapes_total"), metrics.body());
    }

    @Test
    void onlyGetIsServedAndUnknownPathsAreNotFound() throws Exception {
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/health/ready"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET", post.headers().firstValue("Allow").orElseThrow());
        assertEquals(404, get("/health/other").statusCode());
        assertFalse(get("/metrics").headers().firstValue("Server").isPresent(), "no server version is advertised");
    }

    /** Jetty writes parameters without the optional space after ';'; both forms mean the same media type. */
    private static String mediaType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElseThrow().replace(" ", "").toLowerCase();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + health.port() + path);
    }
}

package dev.cdiff.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Uploads a concept to the ingestion service's {@code POST /v1/concepts} as multipart/form-data. */
public final class IngestionClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public IngestionClient(String baseUrl, String apiKey) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        this.apiKey = apiKey;
    }

    /** What ingestion answered: 202 with a job id, or a rejection with its reason. */
    public record Answer(int status, JsonNode body) {
        public boolean accepted() {
            return status == 202;
        }

        public String jobId() {
            return body.path("jobId").asText(null);
        }

        public String describeRejection() {
            return "HTTP " + status + " " + body.path("reasonCode").asText("") + ": " + body.path("reason").asText("")
                    + (body.has("offendingItems") ? " " + body.get("offendingItems") : "");
        }
    }

    public Answer submit(String conceptName, String classWord, String initializerWord, List<NamedImage> images,
                         List<String> captions) throws IOException, InterruptedException {
        String boundary = "cdiff-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        field(body, boundary, "conceptName", conceptName);
        field(body, boundary, "classWord", classWord);
        if (initializerWord != null && !initializerWord.isBlank()) {
            field(body, boundary, "initializerWord", initializerWord);
        }
        for (String caption : captions) {
            field(body, boundary, "caption", caption);
        }
        for (NamedImage image : images) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\""
                    + image.name().replace("\"", "") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.write(image.bytes());
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/concepts"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("X-Api-Key", apiKey)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            json = JSON.createObjectNode().put("reason", response.body());
        }
        return new Answer(response.statusCode(), json);
    }

    private static void field(ByteArrayOutputStream body, String boundary, String name, String value) throws IOException {
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
}

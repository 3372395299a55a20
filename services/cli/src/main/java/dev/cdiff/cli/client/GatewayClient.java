package dev.cdiff.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The public API as the CLI uses it: every call with the API key, the tenant never named. */
public final class GatewayClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public GatewayClient(String baseUrl, String apiKey) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        this.apiKey = apiKey;
    }

    /** An answer of the API: the status and its JSON body. */
    public record Answer(int status, JsonNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }

        public String jobId() {
            return body.path("jobId").asText(null);
        }

        public String describe() {
            return "HTTP " + status + " " + body.path("reasonCode").asText("") + ": " + body.path("reason").asText("");
        }

        /** The body of a successful answer; otherwise an exception saying what the API refused. */
        public JsonNode orThrow() {
            if (!ok()) {
                throw new IllegalStateException(describe());
            }
            return body;
        }
    }

    public Answer whoami() throws IOException, InterruptedException {
        return send(request("/v1/whoami").GET());
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
        return send(request("/v1/concepts").timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    /** One concept of a joint upload; {@code token} null for the position's default ({@code <newN>}). */
    public record JointConceptUpload(String conceptName, String classWord, String initializerWord, String token,
                                     List<NamedImage> images, List<String> captions) {
    }

    /** A joint job: the concepts learned together in one run and one delta, each under its own token. */
    public Answer submitJoint(List<JointConceptUpload> concepts) throws IOException, InterruptedException {
        String boundary = "cdiff-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < concepts.size(); i++) {
            JointConceptUpload c = concepts.get(i);
            String prefix = "concept" + (i + 1) + ".";
            field(body, boundary, prefix + "conceptName", c.conceptName());
            field(body, boundary, prefix + "classWord", c.classWord());
            if (c.initializerWord() != null && !c.initializerWord().isBlank()) {
                field(body, boundary, prefix + "initializerWord", c.initializerWord());
            }
            if (c.token() != null && !c.token().isBlank()) {
                field(body, boundary, prefix + "token", c.token());
            }
            for (String caption : c.captions()) {
                field(body, boundary, prefix + "caption", caption);
            }
            for (NamedImage image : c.images()) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + prefix + "image\"; filename=\""
                        + image.name().replace("\"", "") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                body.write(image.bytes());
                body.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(request("/v1/concepts/joint").timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    public Answer merge(List<String> jobs, String name, int regularizationCaptions)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("name", name).put("regularizationCaptions", regularizationCaptions);
        jobs.forEach(body.putArray("jobs")::add);
        return postJson("/v1/merges", body);
    }

    /** @param job whose delta to apply, or null for the base model */
    public Answer sample(String job, List<String> prompts, String negativePrompt, int steps, double guidance,
                         String scheduler, long seed, int imagesPerPrompt) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        if (job != null) {
            body.put("job", job);
        }
        prompts.forEach(body.putArray("prompts")::add);
        body.put("negativePrompt", negativePrompt).put("steps", steps).put("guidanceScale", guidance)
                .put("scheduler", scheduler).put("seed", seed).put("imagesPerPrompt", imagesPerPrompt);
        return postJson("/v1/samples", body);
    }

    /** The job's status, or empty when the API knows no such job of this tenant. */
    public Optional<JsonNode> job(String jobId) throws IOException, InterruptedException {
        Answer a = send(request("/v1/jobs/" + encode(jobId)).GET());
        if (a.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(a.orThrow());
    }

    public JsonNode jobs() throws IOException, InterruptedException {
        return send(request("/v1/jobs").GET()).orThrow();
    }

    public JsonNode events(String jobId) throws IOException, InterruptedException {
        return send(request("/v1/jobs/" + encode(jobId) + "/events").GET()).orThrow();
    }

    public JsonNode artifacts(String jobId) throws IOException, InterruptedException {
        return send(request("/v1/jobs/" + encode(jobId) + "/artifacts").GET()).orThrow();
    }

    /** Fetches a download link (no API key: the link is its own credential) into a file. */
    public Path download(String url, Path target) throws IOException, InterruptedException {
        HttpResponse<Path> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).GET()
                .build(), HttpResponse.BodyHandlers.ofFile(target));
        if (r.statusCode() != 200) {
            throw new IOException("download answered HTTP " + r.statusCode());
        }
        return target;
    }

    private Answer postJson(String path, JsonNode body) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey);
    }

    private Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            json = JSON.createObjectNode().put("reason", response.body());
        }
        return new Answer(response.statusCode(), json);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void field(ByteArrayOutputStream body, String boundary, String name, String value) throws IOException {
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
}

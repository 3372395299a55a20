package dev.cdiff.gateway.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.gateway.links.DownloadLinks;

/**
 * Views of one job's status document shared by the JSON API and the console: its loss curve and its artifacts,
 * each artifact with a short-lived signed download link. A status that names a key outside the tenant's prefix gets
 * no link: the link would be refused anyway.
 */
public final class JobViews {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JobViews() {
    }

    /** The orchestrator's downsampled curve when it keeps one, else the latest report as a one-point curve. */
    public static ObjectNode lossCurve(String jobId, JsonNode job) {
        ObjectNode body = JSON.createObjectNode().put("jobId", jobId);
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

    /**
     * Every artifact of the job with a role ({@code concept-image}, {@code delta}, {@code merged-delta},
     * {@code merge-captions}, {@code merge-diagnostics}, {@code sample-image}) and a link; {@code baseUrl} is prefixed to the link's path
     * ("" for a same-origin page).
     */
    public static ObjectNode artifacts(String baseUrl, String tenant, String jobId, JsonNode job, DownloadLinks links) {
        ObjectNode body = JSON.createObjectNode().put("jobId", jobId);
        ArrayNode list = body.putArray("artifacts");
        job.path("concept").path("images").forEach(a -> add(baseUrl, tenant, list, "concept-image", a, links, null));
        add(baseUrl, tenant, list, "delta", job.path("delta").path("artifact"), links, null);
        add(baseUrl, tenant, list, "merged-delta", job.path("merge").path("merged"), links, null);
        add(baseUrl, tenant, list, "merge-captions", job.path("merge").path("captionSet"), links, null);
        add(baseUrl, tenant, list, "merge-diagnostics", job.path("merge").path("diagnostics"), links, null);
        JsonNode images = job.path("samples").path("images");
        for (int i = 0; i < images.size(); i++) {
            add(baseUrl, tenant, list, "sample-image", images.get(i), links,
                    job.path("samples").path("prompts").path(i).asText(null));
        }
        return body;
    }

    private static void add(String baseUrl, String tenant, ArrayNode list, String role, JsonNode artifact,
                            DownloadLinks links, String prompt) {
        String key = artifact.path("key").asText(null);
        if (key == null) {
            return;
        }
        links.issue(tenant, key).ifPresent(link -> {
            ObjectNode entry = list.addObject().put("role", role).put("key", key);
            entry.set("sha256", artifact.path("sha256"));
            entry.set("sizeBytes", artifact.path("sizeBytes"));
            entry.set("mediaType", artifact.path("mediaType"));
            if (prompt != null) {
                entry.put("prompt", prompt);
            }
            entry.put("url", baseUrl + link.pathAndQuery()).put("expiresAt", link.expires().toString());
        });
    }
}

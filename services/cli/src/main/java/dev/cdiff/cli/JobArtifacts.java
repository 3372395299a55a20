package dev.cdiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.events.ArtifactRefs;
import dev.cdiff.schemas.events.ArtifactRef;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The delta a finished job produced (a concept's trained delta or a merge's result), from the public API. */
record JobArtifacts(String jobId, ArtifactRef delta, List<String> tokens, List<String> classWords) {

    static JobArtifacts of(GatewayClient api, String jobId) throws IOException, InterruptedException {
        JsonNode job = api.job(jobId).orElseThrow(() ->
                new IllegalArgumentException("no job " + jobId + " of this key's tenant"));
        JsonNode source = job.path("merge").path("merged").has("key") ? job.path("merge") : job.path("delta");
        JsonNode artifact = source.has("merged") ? source.path("merged") : source.path("artifact");
        if (!artifact.has("key")) {
            throw new IllegalArgumentException("job " + jobId + " has no delta yet (stage " + job.path("stage").asText()
                    + ")");
        }
        return new JobArtifacts(jobId, ArtifactRefs.fromJson(artifact), texts(source.path("tokens")),
                texts(source.path("classWords")));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}

package dev.cdiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.stack.Endpoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code cdiff status}: a job's state through the public API. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows a job's status (stage, progress, artifacts) through the public API; without a job id,"
                + " lists the key's tenant's jobs.")
final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ClientOptions client = new ClientOptions();

    @Parameters(paramLabel = "JOB_ID", arity = "0..1", description = "Job id (as printed by submit).")
    String jobId;

    @Option(names = "--json", description = "Print the API's JSON as it is.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Endpoints endpoints = client.endpoints();
        GatewayClient api = endpoints.gateway();
        if (jobId == null) {
            JsonNode jobs = api.jobs();
            if (json) {
                System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(jobs));
            } else {
                jobs.path("jobs").forEach(j -> System.out.println(summary(j)));
            }
            return 0;
        }
        Optional<JsonNode> job = api.job(jobId);
        if (job.isEmpty()) {
            System.err.println("no job " + jobId + " of this key's tenant");
            return 1;
        }
        System.out.println(json ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(job.get())
                : summary(job.get()));
        return 0;
    }

    static String summary(JsonNode j) {
        StringBuilder s = new StringBuilder();
        s.append(j.path("jobId").asText()).append("  ").append(j.path("kind").asText()).append("  ")
                .append(j.path("stage").asText());
        JsonNode p = j.path("progress");
        if (p.has("step")) {
            s.append("  step ").append(p.path("step").asInt()).append('/').append(p.path("totalSteps").asInt())
                    .append(" loss ").append(p.path("loss").asText());
        }
        JsonNode delta = j.path("delta").path("artifact");
        if (delta.has("key")) {
            s.append("  delta s3://").append(delta.path("bucket").asText()).append('/').append(delta.path("key").asText());
        }
        JsonNode merged = j.path("merge").path("merged");
        if (merged.has("key")) {
            s.append("  merged s3://").append(merged.path("bucket").asText()).append('/').append(merged.path("key").asText());
        }
        j.path("samples").path("images").forEach(i -> s.append("\n  image s3://").append(i.path("bucket").asText())
                .append('/').append(i.path("key").asText()));
        JsonNode error = j.path("error");
        if (error.has("reason")) {
            s.append("  error at ").append(error.path("stage").asText()).append(": ").append(error.path("reason").asText());
        }
        return s.toString();
    }
}

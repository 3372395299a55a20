package dev.cdiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.events.JobPoller;
import dev.cdiff.cli.merge.MergeDiagnosticsReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cdiff merge}: merges the deltas of finished concept jobs into one model, through the public API. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Asks the public API to merge the deltas of two or more finished jobs of the key's tenant and"
                + " prints the merge's job id (use it with 'sample --job'); --wait waits for the merged delta and prints"
                + " where its regularization captions came from and its per-layer diagnostics.")
final class MergeJobCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client = new ClientOptions();

    @Parameters(paramLabel = "JOB_ID", arity = "2..*", description = "Jobs whose deltas to merge.")
    List<String> jobs = new ArrayList<>();

    @Option(names = "--name", defaultValue = "merged", description = "Name of the merged model.")
    String outputName;

    @Option(names = "--captions", defaultValue = "1000",
            description = "Corpus captions sampled to constrain the merge, besides the merged concepts' class-set captions"
                    + " (default: ${DEFAULT-VALUE}, as in the paper).")
    int captions;

    @Option(names = "--wait", description = "Wait for the merge and print the merged delta.")
    boolean waitForEnd;

    @Override
    public Integer call() throws Exception {
        GatewayClient api = client.endpoints().gateway();
        GatewayClient.Answer answer = api.merge(jobs, outputName, captions);
        if (!answer.ok()) {
            System.err.println("refused: " + answer.describe());
            return 2;
        }
        System.out.println(answer.jobId());
        if (waitForEnd) {
            try {
                JsonNode done = new JobPoller(api, false).awaitDone(answer.jobId(), "merge", Duration.ofMinutes(30));
                JsonNode merged = done.path("merge").path("merged");
                System.out.println("s3://" + merged.path("bucket").asText() + "/" + merged.path("key").asText()
                        + " tokens " + done.path("merge").path("tokens"));
                MergeDiagnosticsReport.printCaptions(done.path("merge"), System.out);
                MergeDiagnosticsReport.fetch(api, answer.jobId()).ifPresentOrElse(
                        d -> MergeDiagnosticsReport.print(d, System.out),
                        () -> System.out.println("(the merge stored no diagnostics)"));
            } catch (JobPoller.JobFailedException e) {
                System.err.println(e.getMessage());
                return 1;
            }
        }
        return 0;
    }
}

package dev.cdiff.cli;

import dev.cdiff.cli.client.EventSender;
import dev.cdiff.cli.client.OrchestratorClient;
import dev.cdiff.cli.events.EventFormatter;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.JobFollower;
import dev.cdiff.cli.events.ObservedEvent;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.MergeRequested;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code cdiff merge}: merges the deltas of finished concept jobs into one model. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Publishes a MergeRequested for the deltas of two or more finished jobs and prints the merge's"
                + " job id (use it with 'sample --job'); --wait waits for the merged delta.")
final class MergeJobCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client = new ClientOptions();

    @Parameters(paramLabel = "JOB_ID", arity = "2..*", description = "Jobs whose deltas to merge.")
    List<String> jobs = new ArrayList<>();

    @Option(names = "--name", defaultValue = "merged", description = "Name of the merged model.")
    String outputName;

    @Option(names = "--captions", defaultValue = "1000",
            description = "Regularization captions constraining the merge (default: ${DEFAULT-VALUE}, as in the paper).")
    int captions;

    @Option(names = "--wait", description = "Wait for MergeCompleted and print the merged delta.")
    boolean waitForEnd;

    @Override
    public Integer call() throws Exception {
        Endpoints endpoints = client.endpoints();
        OrchestratorClient orchestrator = new OrchestratorClient(endpoints.required(Endpoints.ORCHESTRATOR_URL));
        List<ArtifactRef> deltas = new ArrayList<>();
        for (String job : jobs) {
            deltas.add(JobArtifacts.of(orchestrator, job).delta());
        }
        String jobId = UUID.randomUUID().toString();
        MergeRequested request = MergeRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(endpoints.required(Endpoints.TENANT)).setJobId(jobId).setOccurredAt(Instant.now())
                .setCausationId(null).setDeltas(deltas).setRegularizationCaptions(captions)
                .setOutputName(outputName).build();
        try (EventWatcher watcher = waitForEnd ? EventWatcher.start(endpoints, false) : null;
             EventSender sender = new EventSender(endpoints)) {
            sender.send(jobId, request);
            System.out.println(jobId);
            if (watcher != null) {
                try (JobFollower follower = new JobFollower(watcher, false, j -> "merge")) {
                    ObservedEvent done = follower.awaitDone(jobId, Set.of("MergeCompleted"), Duration.ofMinutes(30));
                    System.out.println(EventFormatter.value(done.field("merged")) + " tokens "
                            + EventFormatter.value(done.field("tokens")));
                } catch (JobFollower.JobFailedException e) {
                    System.err.println(e.getMessage());
                    return 1;
                }
            }
        }
        return 0;
    }
}

package dev.cdiff.cli;

import dev.cdiff.cli.client.EventSender;
import dev.cdiff.cli.client.OrchestratorClient;
import dev.cdiff.cli.demo.Prompts;
import dev.cdiff.cli.events.EventFormatter;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.JobFollower;
import dev.cdiff.cli.events.ObservedEvent;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.schemas.events.SampleRequested;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code cdiff sample}: asks the sampling service for images, with a job's delta or the base model. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Publishes a SampleRequested for the delta of a finished job (concept or merge) or for the base"
                + " model, prints the new job id, and with --wait the S3 keys of the images.")
final class SampleJobCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client = new ClientOptions();

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Use the delta this job produced (omit for the base model).")
    String job;

    @Option(names = {"-p", "--prompt"}, description = "Prompt (repeatable; default: one naming every token of the delta).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--negative-prompt", defaultValue = "", description = "Negative prompt.")
    String negativePrompt;

    @Option(names = "--steps", defaultValue = "10", description = "Denoising steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "6.0", description = "Guidance scale (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--scheduler", defaultValue = "ddim", description = "ddpm, ddim or dpm (default: ${DEFAULT-VALUE}).")
    String scheduler;

    @Option(names = "--seed", defaultValue = "42", description = "Noise seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-n", "--images-per-prompt"}, defaultValue = "1", description = "Images per prompt.")
    int imagesPerPrompt;

    @Option(names = "--wait", description = "Wait for the images and print their keys.")
    boolean waitForEnd;

    @Override
    public Integer call() throws Exception {
        Endpoints endpoints = client.endpoints();
        JobArtifacts source = job == null ? null
                : JobArtifacts.of(new OrchestratorClient(endpoints.required(Endpoints.ORCHESTRATOR_URL)), job);
        List<String> finalPrompts = new ArrayList<>(prompts);
        if (finalPrompts.isEmpty()) {
            if (source == null || source.tokens().isEmpty()) {
                throw new IllegalArgumentException("give --prompt (there is no delta whose tokens could make one)");
            }
            finalPrompts.add(Prompts.allConcepts(source.tokens(), source.classWords()));
        }
        String jobId = UUID.randomUUID().toString();
        SampleRequested request = SampleRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(endpoints.required(Endpoints.TENANT)).setJobId(jobId).setOccurredAt(Instant.now())
                .setCausationId(null).setDelta(source == null ? null : source.delta()).setPrompts(finalPrompts)
                .setNegativePrompt(negativePrompt).setSteps(steps).setGuidanceScale(guidance).setScheduler(scheduler)
                .setSeed(seed).setImagesPerPrompt(imagesPerPrompt).build();
        try (EventWatcher watcher = waitForEnd ? EventWatcher.start(endpoints, false) : null;
             EventSender sender = new EventSender(endpoints)) {
            sender.send(jobId, request);
            System.out.println(jobId);
            if (watcher != null) {
                try (JobFollower follower = new JobFollower(watcher, false, j -> "sample")) {
                    ObservedEvent done = follower.awaitDone(jobId, Set.of("SamplesGenerated"), Duration.ofMinutes(30));
                    ((List<?>) done.field("images")).forEach(i -> System.out.println(EventFormatter.value(i)));
                } catch (JobFollower.JobFailedException e) {
                    System.err.println(e.getMessage());
                    return 1;
                }
            }
        }
        return 0;
    }
}

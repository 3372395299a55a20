package dev.cdiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.demo.Prompts;
import dev.cdiff.cli.events.JobPoller;
import dev.cdiff.diffusion.pipelines.SamplingPreset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cdiff sample}: asks for images, with a job's delta or the base model, through the public API. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Asks the public API for images of the delta of a finished job (concept or merge) of the key's"
                + " tenant, or of the base model; prints the new job id, and with --wait the S3 keys of the images.")
final class SampleJobCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client = new ClientOptions();

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Use the delta this job produced (omit for the base model).")
    String job;

    @Option(names = {"-p", "--prompt"}, description = "Prompt (repeatable; default: one naming every token of the delta).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--negative-prompt", defaultValue = "", description = "Negative prompt.")
    String negativePrompt;

    @Option(names = "--preset", defaultValue = "paper", description = "paper (DDPM, 200 steps, guidance 6, eta 1 as the "
            + "paper and reference sample) or fast (DDIM, 50 steps, guidance 6); --steps, --guidance and --scheduler "
            + "override single values (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--steps", description = "Denoising steps (default: the preset's).")
    Integer steps;

    @Option(names = "--guidance", description = "Guidance scale (default: the preset's).")
    Double guidance;

    @Option(names = "--scheduler", description = "ddpm, ddim or dpm (default: the preset's).")
    String scheduler;

    @Option(names = "--seed", defaultValue = "42", description = "Noise seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-n", "--images-per-prompt"}, defaultValue = "1", description = "Images per prompt.")
    int imagesPerPrompt;

    @Option(names = "--wait", description = "Wait for the images and print their keys.")
    boolean waitForEnd;

    @Override
    public Integer call() throws Exception {
        GatewayClient api = client.endpoints().gateway();
        JobArtifacts source = job == null ? null : JobArtifacts.of(api, job);
        List<String> finalPrompts = new ArrayList<>(prompts);
        if (finalPrompts.isEmpty()) {
            if (source == null || source.tokens().isEmpty()) {
                throw new IllegalArgumentException("give --prompt (there is no delta whose tokens could make one)");
            }
            finalPrompts.add(Prompts.allConcepts(source.tokens(), source.classWords()));
        }
        GatewayClient.Answer answer = api.sample(job, finalPrompts, negativePrompt, steps(), guidance(), scheduler(), seed,
                imagesPerPrompt);
        if (!answer.ok()) {
            System.err.println("refused: " + answer.describe());
            return 2;
        }
        System.out.println(answer.jobId());
        if (waitForEnd) {
            try {
                JsonNode done = new JobPoller(api, false).awaitDone(answer.jobId(), "sample", Duration.ofMinutes(30));
                done.path("samples").path("images").forEach(i -> System.out.println("s3://"
                        + i.path("bucket").asText() + "/" + i.path("key").asText()));
            } catch (JobPoller.JobFailedException e) {
                System.err.println(e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    int steps() {
        return steps != null ? steps : SamplingPreset.parse(preset).steps();
    }

    double guidance() {
        return guidance != null ? guidance : SamplingPreset.parse(preset).guidance();
    }

    String scheduler() {
        return scheduler != null ? scheduler : SamplingPreset.parse(preset).scheduler();
    }
}

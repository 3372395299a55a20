package dev.cdiff.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.events.ArtifactRefs;
import dev.cdiff.diffusion.pipelines.SamplingPreset;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.JobPoller;
import dev.cdiff.cli.merge.MergeDiagnosticsReport;
import dev.cdiff.cli.events.ObservedEvent;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.schemas.events.ArtifactRef;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The demo's walk through the pipeline against running services, as a tenant through the public API with its key:
 * upload both bundled concepts, let the
 * orchestrator carry each through regularization, training and sampling, merge the two trained deltas, and sample
 * the merged model with a prompt naming both concepts. Every step is an event; the result holds all of them.
 */
public final class DemoRun {
    /**
     * @param sampleSteps    denoising steps for the merged model's images
     * @param mergeCaptions  regularization captions constraining the merge
     */
    public record Options(Duration timeout, boolean progressBars, int sampleSteps, int imagesPerPrompt,
                          int mergeCaptions, long seed) {
        public static Options defaults() {
            return new Options(Duration.ofMinutes(20), true, 10, 2, 200, 42);
        }
    }

    public record Result(Map<DemoConcept, String> conceptJobs, Map<DemoConcept, List<ArtifactRef>> conceptImages,
                         String mergeJob, ArtifactRef mergedDelta, List<String> mergedTokens, String mergedSampleJob,
                         List<String> mergedPrompts, List<ArtifactRef> mergedImages, List<ObservedEvent> events,
                         Duration elapsed) {
        public List<String> jobIds() {
            List<String> ids = new ArrayList<>(conceptJobs.values());
            ids.add(mergeJob);
            ids.add(mergedSampleJob);
            return ids;
        }
    }

    private DemoRun() {
    }

    public static Result run(Endpoints endpoints, Options options, PrintStream out)
            throws IOException, InterruptedException, TimeoutException {
        long start = System.nanoTime();
        Instant deadline = Instant.now().plus(options.timeout());
        GatewayClient api = endpoints.gateway();
        JobPoller poller = new JobPoller(api, options.progressBars());
        // the demo started the stack, so it also watches the bus as its operator: that is where the event chain and
        // its timing come from; everything it asks for goes through the public API with its key
        try (EventWatcher watcher = EventWatcher.start(endpoints, false)) {
            Map<DemoConcept, String> jobs = new LinkedHashMap<>();
            for (DemoConcept concept : DemoConcept.values()) {
                GatewayClient.Answer answer = api.submit(concept.conceptName(), concept.classWord(),
                        concept.initializerWord(), concept.images(), List.of());
                if (!answer.ok()) {
                    throw new IllegalStateException("the API refused the demo concept " + concept.folder() + ": "
                            + answer.describe());
                }
                jobs.put(concept, answer.jobId());
                out.println("submitted " + concept.folder() + " (" + DemoConcept.IMAGES + " images, class '"
                        + concept.classWord() + "') as job " + answer.jobId());
            }
            Map<DemoConcept, List<ArtifactRef>> conceptImages = new LinkedHashMap<>();
            for (Map.Entry<DemoConcept, String> job : jobs.entrySet()) {
                JsonNode done = poller.awaitDone(job.getValue(), job.getKey().folder(), left(deadline));
                conceptImages.put(job.getKey(), ArtifactRefs.listFromJson(done.path("samples").path("images")));
                out.println(job.getKey().folder() + ": trained " + done.path("delta").path("steps").asInt()
                        + " steps, sampled " + conceptImages.get(job.getKey()).size() + " images");
            }

            String mergeJob = api.merge(List.copyOf(jobs.values()), "demo-circle-and-square",
                    options.mergeCaptions()).orThrow().path("jobId").asText();
            out.println("merging the two deltas as job " + mergeJob);
            JsonNode merged = poller.awaitDone(mergeJob, "merge", left(deadline));
            ArtifactRef mergedDelta = ArtifactRefs.fromJson(merged.path("merge").path("merged"));
            List<String> tokens = texts(merged.path("merge").path("tokens"));
            List<String> classWords = texts(merged.path("merge").path("classWords"));
            MergeDiagnosticsReport.printCaptions(merged.path("merge"), out);
            MergeDiagnosticsReport.fetch(api, mergeJob).ifPresent(d -> MergeDiagnosticsReport.print(d, out));

            List<String> prompts = List.of(Prompts.allConcepts(tokens, classWords));
            String sampleJob = api.sample(mergeJob, prompts, "", options.sampleSteps(),
                    SamplingPreset.FAST.guidance(), SamplingPreset.FAST.scheduler(), options.seed(),
                    options.imagesPerPrompt()).orThrow().path("jobId").asText();
            out.println("sampling the merged model as job " + sampleJob + ": " + prompts);
            JsonNode generated = poller.awaitDone(sampleJob, "merged-sample", left(deadline));
            List<ArtifactRef> mergedImages = ArtifactRefs.listFromJson(generated.path("samples").path("images"));

            List<String> ids = new ArrayList<>(jobs.values());
            ids.add(mergeJob);
            ids.add(sampleJob);
            // the last job's final event may still be on its way to the watcher
            watcher.await(e -> e.belongsTo(sampleJob) && "SamplesGenerated".equals(e.type()), left(deadline),
                    "SamplesGenerated of " + sampleJob);
            List<ObservedEvent> events = watcher.events().stream()
                    .filter(e -> ids.stream().anyMatch(e::belongsTo)).toList();
            return new Result(jobs, conceptImages, mergeJob, mergedDelta, tokens, sampleJob, prompts, mergedImages,
                    events, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Duration left(Instant deadline) {
        Duration d = Duration.between(Instant.now(), deadline);
        return d.isNegative() ? Duration.ZERO : d;
    }
}

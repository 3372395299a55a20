package dev.cdiff.cli.demo;

import dev.cdiff.cli.client.EventSender;
import dev.cdiff.cli.client.IngestionClient;
import dev.cdiff.cli.events.ArtifactRefs;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.JobFollower;
import dev.cdiff.cli.events.ObservedEvent;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.MergeRequested;
import dev.cdiff.schemas.events.SampleRequested;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The demo's walk through the pipeline against running services: upload both bundled concepts over HTTP, let the
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
        String tenant = endpoints.required(Endpoints.TENANT);
        IngestionClient ingestion = new IngestionClient(endpoints.required(Endpoints.INGESTION_URL),
                endpoints.required(Endpoints.API_KEY));
        Map<String, String> labels = new LinkedHashMap<>();
        try (EventWatcher watcher = EventWatcher.start(endpoints, false);
             JobFollower follower = new JobFollower(watcher, options.progressBars(),
                     job -> labels.getOrDefault(job, job.substring(0, 8)));
             EventSender sender = new EventSender(endpoints)) {
            Map<DemoConcept, String> jobs = new LinkedHashMap<>();
            for (DemoConcept concept : DemoConcept.values()) {
                IngestionClient.Answer answer = ingestion.submit(concept.conceptName(), concept.classWord(),
                        concept.initializerWord(), concept.images(), List.of());
                if (!answer.accepted()) {
                    throw new IllegalStateException("ingestion rejected the demo concept " + concept.folder() + ": "
                            + answer.describeRejection());
                }
                jobs.put(concept, answer.jobId());
                labels.put(answer.jobId(), concept.folder());
                out.println("submitted " + concept.folder() + " (" + DemoConcept.IMAGES + " images, class '"
                        + concept.classWord() + "') as job " + answer.jobId());
            }
            Map<DemoConcept, List<ArtifactRef>> conceptImages = new LinkedHashMap<>();
            List<ArtifactRef> deltas = new ArrayList<>();
            for (Map.Entry<DemoConcept, String> job : jobs.entrySet()) {
                ObservedEvent samples = follower.awaitDone(job.getValue(), Set.of("SamplesGenerated"), left(deadline));
                ObservedEvent trained = watcher.await(e -> e.belongsTo(job.getValue())
                        && "TrainingCompleted".equals(e.type()), left(deadline), "TrainingCompleted");
                deltas.add(ArtifactRefs.fromRecord(trained.field("delta")));
                conceptImages.put(job.getKey(), ArtifactRefs.listFromRecord(samples.field("images")));
                out.println(job.getKey().folder() + ": trained " + trained.field("steps") + " steps, sampled "
                        + conceptImages.get(job.getKey()).size() + " images");
            }

            String mergeJob = UUID.randomUUID().toString();
            labels.put(mergeJob, "merge");
            MergeRequested merge = MergeRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setTenantId(tenant).setJobId(mergeJob).setOccurredAt(Instant.now()).setCausationId(null)
                    .setDeltas(deltas).setRegularizationCaptions(options.mergeCaptions())
                    .setOutputName("demo-circle-and-square").build();
            sender.send(mergeJob, merge);
            out.println("merging the two deltas as job " + mergeJob);
            ObservedEvent merged = follower.awaitDone(mergeJob, Set.of("MergeCompleted"), left(deadline));
            ArtifactRef mergedDelta = ArtifactRefs.fromRecord(merged.field("merged"));
            List<String> tokens = ArtifactRefs.strings(merged.field("tokens"));
            List<String> classWords = ArtifactRefs.strings(merged.field("classWords"));

            String sampleJob = UUID.randomUUID().toString();
            labels.put(sampleJob, "merged-sample");
            List<String> prompts = List.of(Prompts.allConcepts(tokens, classWords));
            SampleRequested sample = SampleRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setTenantId(tenant).setJobId(sampleJob).setOccurredAt(Instant.now())
                    // answers the merge: lets the timing report show the hand-off from merge to sampling
                    .setCausationId(merged.eventId())
                    .setDelta(mergedDelta).setPrompts(prompts).setNegativePrompt("").setSteps(options.sampleSteps())
                    .setGuidanceScale(6.0).setScheduler("ddim").setSeed(options.seed())
                    .setImagesPerPrompt(options.imagesPerPrompt()).build();
            sender.send(sampleJob, sample);
            out.println("sampling the merged model as job " + sampleJob + ": " + prompts);
            ObservedEvent generated = follower.awaitDone(sampleJob, Set.of("SamplesGenerated"), left(deadline));
            List<ArtifactRef> mergedImages = ArtifactRefs.listFromRecord(generated.field("images"));

            List<String> ids = new ArrayList<>(jobs.values());
            ids.add(mergeJob);
            ids.add(sampleJob);
            List<ObservedEvent> events = watcher.events().stream()
                    .filter(e -> ids.stream().anyMatch(e::belongsTo)).toList();
            return new Result(jobs, conceptImages, mergeJob, mergedDelta, tokens, sampleJob, prompts, mergedImages,
                    events, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private static Duration left(Instant deadline) {
        Duration d = Duration.between(Instant.now(), deadline);
        return d.isNegative() ? Duration.ZERO : d;
    }
}

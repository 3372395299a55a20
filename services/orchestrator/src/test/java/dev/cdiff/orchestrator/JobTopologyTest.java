package dev.cdiff.orchestrator;

import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.MergeRequested;
import dev.cdiff.schemas.events.RegularizationRequested;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.avro.specific.SpecificRecord;
import dev.cdiff.embedded.registry.InMemoryRegistryLog;
import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobTopologyTest {
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00.123Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final OrchestratorSettings SETTINGS = OrchestratorSettings.fromMap(Map.of(
            "orchestrator.training.resolution", "64",
            "orchestrator.training.base-model", "tiny-sd",
            "orchestrator.training.base-model-digest", TestEvents.sha("base-model"),
            "orchestrator.sampling.steps", "25"));

    @TempDir
    Path stateDir;
    OrchestratorTestDriver driver;
    final TestEvents job = new TestEvents("acme", "job-1");

    static LocalSchemaRegistry registry;
    static RegistryEventSerdes registrySerdes;

    @BeforeAll
    static void startRegistry() {
        registry = LocalSchemaRegistry.startInMemory(new InMemoryRegistryLog(), 0);
        registrySerdes = new RegistryEventSerdes(new SchemaRegistryClient(registry.url()), true);
    }

    @AfterAll
    static void stopRegistry() {
        registrySerdes.close();
        registry.close();
    }

    /** Confluent-wire-format serdes backed by a real (in-memory) registry, exactly as production uses them. */
    EventSerdes serdes() {
        return registrySerdes;
    }

    @BeforeEach
    void start() {
        driver = new OrchestratorTestDriver(serdes(), SETTINGS, CLOCK, stateDir);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void happyPathEmitsEachRequestOnceWithCausationAndEndsDone() {
        driver.pipe(job.submitted("ev-submit", List.of(), null));
        RegularizationRequested regularization = single(driver.drain(), RegularizationRequested.class);
        assertEquals(DerivedIds.eventId("ev-submit", "RegularizationRequested"), regularization.getEventId());
        assertEquals("acme", regularization.getTenantId());
        assertEquals("job-1", regularization.getJobId());
        assertEquals(NOW, regularization.getOccurredAt());
        assertEquals("ev-submit", regularization.getCausationId());
        assertEquals("concept-job-1", regularization.getConceptId());
        assertEquals("dog", regularization.getClassWord());
        assertEquals("photo of a dog", regularization.getClassPrompt());
        assertEquals(200, regularization.getMaxImages());
        assertEquals(0.85, regularization.getMinSimilarity());
        assertEquals(JobStage.REGULARIZING, driver.status("job-1").stage);

        driver.pipe(job.regularizationReady("ev-reg", regularization.getEventId()));
        TrainingRequested training = single(driver.drain(), TrainingRequested.class);
        assertEquals(DerivedIds.eventId("ev-reg", "TrainingRequested"), training.getEventId());
        assertEquals("ev-reg", training.getCausationId());
        assertEquals("acme", training.getTenantId());
        assertEquals("tiny-sd", training.getBaseModel());
        assertEquals(TestEvents.sha("base-model"), training.getBaseModelDigest());
        ConceptSpec concept = training.getConcepts().get(0);
        assertEquals(1, training.getConcepts().size());
        assertEquals("<new1>", concept.getModifierToken());
        assertEquals("ktn", concept.getInitializerWord());
        assertEquals("dog", concept.getClassWord());
        assertEquals("my-dog", concept.getConceptName());
        assertEquals(job.images(3), concept.getImages());
        assertEquals(List.of("photo of a <new1> dog", "photo of a <new1> dog", "photo of a <new1> dog"),
                concept.getCaptions());
        RegularizationReady ready = job.regularizationReady("x", null);
        assertEquals(ready.getImages(), concept.getRegularizationImages());
        assertEquals(ready.getCaptions(), concept.getRegularizationCaptions());
        TrainingOptions options = training.getOptions();
        assertEquals(250, options.getSteps());
        assertEquals(8, options.getBatchSize());
        assertEquals(1e-5, options.getLearningRate());
        assertEquals(1.0, options.getPriorLossWeight());
        assertEquals(64, options.getResolution());
        assertEquals(DerivedIds.seed("job-1", "training"), options.getSeed());
        assertEquals(JobStage.TRAINING, driver.status("job-1").stage);

        driver.pipe(job.progress("ev-p10", 10, 0.5));
        driver.pipe(job.progress("ev-p50", 50, 0.25));
        assertEquals(List.of(), driver.drain());
        JobStatus.Progress progress = driver.status("job-1").progress;
        assertEquals(50, progress.step);
        assertEquals(250, progress.totalSteps);
        assertEquals(0.25, progress.loss);
        assertEquals("tenants/acme/jobs/job-1/checkpoints/" + TestEvents.sha("c50") + ".safetensors", progress.checkpointKey);

        driver.pipe(job.trainingCompleted("ev-trained", training.getEventId()));
        SampleRequested sample = single(driver.drain(), SampleRequested.class);
        assertEquals(DerivedIds.eventId("ev-trained", "SampleRequested"), sample.getEventId());
        assertEquals("ev-trained", sample.getCausationId());
        assertEquals(job.trainingCompleted("x", null).getDelta(), sample.getDelta());
        assertEquals(List.of("photo of a <new1> dog", "a <new1> dog on the beach"), sample.getPrompts());
        assertEquals(25, sample.getSteps());
        assertEquals(6.0, sample.getGuidanceScale());
        assertEquals("ddpm", sample.getScheduler());
        assertEquals(1, sample.getImagesPerPrompt());
        assertEquals(DerivedIds.seed("job-1", "sampling"), sample.getSeed());
        assertEquals(JobStage.SAMPLING, driver.status("job-1").stage);

        driver.pipe(job.samplesGenerated("ev-samples", sample.getEventId()));
        assertEquals(List.of(), driver.drain());

        JobStatus status = driver.status("job-1");
        assertEquals(JobStage.DONE, status.stage);
        assertEquals(JobKind.CONCEPT, status.kind);
        assertEquals("acme", status.tenantId);
        assertEquals("my-dog", status.concept.conceptName);
        assertEquals("dog", status.concept.classWord);
        assertEquals("<new1>", status.concept.modifierToken);
        assertEquals("tenants/acme/deltas/" + TestEvents.sha("d1") + ".safetensors", status.delta.artifact.key);
        assertEquals(TestEvents.sha("d1"), status.delta.artifact.sha256);
        assertEquals(0.123, status.delta.finalLoss);
        assertEquals(List.of("tenants/acme/samples/" + TestEvents.sha("s1") + ".png",
                        "tenants/acme/samples/" + TestEvents.sha("s2") + ".png"),
                status.samples.images.stream().map(a -> a.key).toList());
        assertEquals(TestEvents.sha("classset"), status.regularization.classSetDigest);
        assertEquals(List.of("INGESTING", "REGULARIZING", "QUEUED", "TRAINING", "SAMPLING", "DONE"),
                List.copyOf(status.stageEnteredAt.keySet()));
        assertNull(status.error);
        // the read-back of the emitted SampleRequested is recognised as this job's own and adds nothing;
        // progress reports are counted and curved, not kept one by one
        assertEquals(2L, status.eventCounts.get("in TrainingProgress"));
        assertEquals(List.of(10, 50), status.lossCurve.steps);
        assertEquals(List.of(
                        "in ConceptSubmitted ev-submit", "out RegularizationRequested " + regularization.getEventId(),
                        "in RegularizationReady ev-reg", "out TrainingRequested " + training.getEventId(),
                        "in TrainingCompleted ev-trained", "out SampleRequested " + sample.getEventId(),
                        "in SamplesGenerated ev-samples"),
                status.history.stream().map(h -> h.direction + " " + h.type + " " + h.eventId).toList());
        assertTrue(status.history.stream().allMatch(h -> h.ignored == null));
    }

    @Test
    void tenantCaptionsGetTheModifierTokenAndTenantOptionsAreKept() {
        TrainingOptions requested = TrainingOptions.newBuilder().setSteps(40).setBatchSize(2).setLearningRate(2e-5)
                .setPriorLossWeight(0.5).setResolution(32).setSeed(99L).setMode("token-only")
                .setProgressEverySteps(5).setCheckpointEverySteps(20).build();
        driver.pipe(job.submitted("ev-submit", List.of("a dog on grass", "", "my pet asleep"), requested));
        driver.drain();
        driver.pipe(job.regularizationReady("ev-reg", null));
        TrainingRequested training = single(driver.drain(), TrainingRequested.class);
        assertEquals(List.of("a <new1> dog on grass", "photo of a <new1> dog", "<new1> dog, my pet asleep"),
                training.getConcepts().get(0).getCaptions());
        assertEquals(requested, training.getOptions());
    }

    @Test
    void sameInputReplayedInAFreshTopologyEmitsIdenticalEvents(@TempDir Path otherStateDir) {
        List<SpecificRecord> first = runToTraining(driver, job);
        List<SpecificRecord> second;
        try (OrchestratorTestDriver replay = new OrchestratorTestDriver(serdes(), SETTINGS, CLOCK, otherStateDir)) {
            second = runToTraining(replay, job);
        }
        assertEquals(2, first.size());
        assertEquals(first, second);
        // the one training slot is job-1's until it finishes; job-2 waits for it
        driver.pipe(job.trainingCompleted("trained-job-1", null));
        driver.drain();
        TestEvents otherJob = new TestEvents("acme", "job-2");
        List<SpecificRecord> other = runToTraining(driver, otherJob);
        assertNotEquals(((TrainingRequested) first.get(1)).getOptions().getSeed(),
                ((TrainingRequested) other.get(1)).getOptions().getSeed());
    }

    private static List<SpecificRecord> runToTraining(OrchestratorTestDriver d, TestEvents events) {
        d.pipe(events.submitted("submit-" + events.jobId, List.of(), null));
        List<SpecificRecord> out = new java.util.ArrayList<>(d.drain());
        d.pipe(events.regularizationReady("reg-" + events.jobId, null));
        out.addAll(d.drain());
        return out;
    }

    @Test
    void ingestionRequestOpensTheJobAndSubmissionContinuesIt() {
        driver.pipe(job.ingestionRequested("ev-ingest"));
        assertEquals(List.of(), driver.drain());
        assertEquals(JobStage.INGESTING, driver.status("job-1").stage);
        assertEquals("dog", driver.status("job-1").concept.classWord);
        driver.pipe(job.submitted("ev-submit", List.of(), null));
        RegularizationRequested request = single(driver.drain(), RegularizationRequested.class);
        assertEquals("ev-submit", request.getCausationId());
        JobStatus status = driver.status("job-1");
        assertEquals(JobStage.REGULARIZING, status.stage);
        assertEquals(List.of("INGESTING", "REGULARIZING"), List.copyOf(status.stageEnteredAt.keySet()));
        assertEquals("concept-job-1", status.concept.conceptId);
    }

    @Test
    void jobFailedForAnUnknownJobRecordsAFailedJob() {
        driver.pipe(job.jobFailed("ev-ingest-failed", "ingestion"));
        assertEquals(List.of(), driver.drain());
        JobStatus status = driver.status("job-1");
        assertEquals(JobStage.FAILED, status.stage);
        assertEquals(JobKind.CONCEPT, status.kind);
        assertEquals("no images for class dog", status.error.reason);
        assertEquals("ev-ingest-failed", status.error.eventId);
    }

    @Test
    void rejectedConceptFailsTheJobAndPublishesJobFailed() {
        driver.pipe(job.rejected("ev-reject"));
        JobFailed failed = single(driver.drain(), JobFailed.class);
        assertEquals(DerivedIds.eventId("ev-reject", "JobFailed"), failed.getEventId());
        assertEquals("ev-reject", failed.getCausationId());
        assertEquals("ingestion", failed.getStage());
        assertEquals("TOO_FEW_IMAGES", failed.getErrorClass());
        assertEquals("only 2 images; at least 4 are needed", failed.getReason());
        JobStatus status = driver.status("job-1");
        assertEquals(JobStage.FAILED, status.stage);
        assertEquals("ingestion", status.error.stage);
        assertEquals(List.of("a.png", "b.png"), status.error.offendingItems);
        assertEquals("ev-reject", status.error.eventId);

        // a late submission for the same job does not revive it
        driver.pipe(job.submitted("ev-submit-late", List.of(), null));
        assertEquals(List.of(), driver.drain());
        assertEquals(JobStage.FAILED, driver.status("job-1").stage);
        assertTrue(driver.status("job-1").history.get(2).ignored.contains("FAILED"));
    }

    @Test
    void trainingFailureFailsTheJobAndLaterCompletionIsIgnored() {
        runToTraining(driver, job);
        driver.pipe(job.trainingFailed("ev-fail"));
        JobFailed failed = single(driver.drain(), JobFailed.class);
        assertEquals("training", failed.getStage());
        assertEquals("java.lang.OutOfMemoryError", failed.getErrorClass());
        assertEquals("ev-fail", failed.getCausationId());
        JobStatus status = driver.status("job-1");
        assertEquals(JobStage.FAILED, status.stage);
        assertEquals("out of memory at step 40", status.error.reason);
        assertEquals(Boolean.TRUE, status.error.retryable);

        driver.pipe(job.trainingCompleted("ev-late", null));
        assertEquals(List.of(), driver.drain());
        JobStatus after = driver.status("job-1");
        assertEquals(JobStage.FAILED, after.stage);
        assertNull(after.delta);
    }

    @Test
    void jobFailedFromAnotherServiceFailsTheJobWithoutEmitting() {
        driver.pipe(job.submitted("ev-submit", List.of(), null));
        driver.drain();
        driver.pipe(job.jobFailed("ev-retrieval-failed", "regularization"));
        assertEquals(List.of(), driver.drain());
        JobStatus status = driver.status("job-1");
        assertEquals(JobStage.FAILED, status.stage);
        assertEquals("regularization", status.error.stage);
        assertEquals("RETRIEVAL_EMPTY", status.error.errorClass);

        driver.pipe(job.regularizationReady("ev-reg-late", null));
        assertEquals(List.of(), driver.drain());
        assertEquals(JobStage.FAILED, driver.status("job-1").stage);
    }

    @Test
    void duplicateEventIdsEmitOnceAndLeaveStateAsAfterTheFirst() {
        ConceptSubmitted submitted = job.submitted("ev-submit", List.of(), null);
        driver.pipe(submitted);
        driver.pipe(submitted);
        assertEquals(1, driver.drain().size());
        driver.pipe(job.regularizationReady("ev-reg", null));
        driver.pipe(job.regularizationReady("ev-reg", null));
        assertEquals(1, driver.drain().size());
        JobStatus status = driver.status("job-1");
        assertEquals(4, status.history.size());

        // a second, different submission for a job past ingestion is stale: recorded, never answered
        driver.pipe(job.submitted("ev-submit-2", List.of(), null));
        driver.pipe(job.regularizationReady("ev-reg-2", null));
        assertEquals(List.of(), driver.drain());
        JobStatus after = driver.status("job-1");
        assertEquals(JobStage.TRAINING, after.stage);
        assertEquals(6, after.history.size());
        assertTrue(after.history.get(4).ignored != null && after.history.get(5).ignored != null);

        // progress that arrives out of order never moves the recorded step backwards
        driver.pipe(job.progress("p20", 20, 0.3));
        driver.pipe(job.progress("p10", 10, 0.4));
        assertEquals(20, driver.status("job-1").progress.step);
    }

    @Test
    void eventsForUnknownJobsCreateNothingAndEmitNothing() {
        TestEvents stranger = new TestEvents("acme", "job-unknown");
        driver.pipe(stranger.regularizationReady("r", null));
        driver.pipe(stranger.progress("p", 10, 0.1));
        driver.pipe(stranger.trainingCompleted("t", null));
        driver.pipe(stranger.trainingFailed("f"));
        driver.pipe(stranger.samplesGenerated("s", null));
        driver.pipe(stranger.mergeCompleted("m", null));
        assertEquals(List.of(), driver.drain());
        assertNull(driver.status("job-unknown"));
        assertEquals(0, driver.jobCount());
    }

    @Test
    void eventOfAnotherTenantCannotTouchAJob() {
        driver.pipe(job.submitted("ev-submit", List.of(), null));
        driver.drain();
        TestEvents intruder = new TestEvents("mallory", "job-1");
        driver.pipe(intruder.regularizationReady("ev-evil", null));
        assertEquals(List.of(), driver.drain());
        JobStatus status = driver.status("job-1");
        assertEquals(JobStage.REGULARIZING, status.stage);
        assertEquals(2, status.history.size());
    }

    @Test
    void eventsWithIdsOrKeysOutsideTheGrammarCreateNothingAndEmitNothing() {
        driver.pipe(new TestEvents("../../etc", "job-x").mergeRequested("ev-1"));
        driver.pipe(new TestEvents("acme", "../../../canary").sampleRequested("ev-2"));
        driver.pipe(new TestEvents("acme", "job-y").sampleRequested("ev 3/.."));
        MergeRequested traversal = new TestEvents("acme", "job-z").mergeRequested("ev-4");
        traversal.getDeltas().get(0).setKey("tenants/acme/../other/deltas/" + traversal.getDeltas().get(0).getSha256());
        driver.pipe(traversal);
        assertEquals(List.of(), driver.drain());
        assertEquals(0, driver.jobCount());

        driver.pipe(job.submitted("ev-submit", List.of(), null));
        driver.drain();
        ConceptSubmitted again = job.submitted("ev-again", List.of(), null);
        again.setConceptName("../../name\\with/slashes");
        driver.pipe(again);
        assertEquals(List.of(), driver.drain());
        assertEquals(2, driver.status("job-1").history.size(), "the poison event is not even recorded as ignored");
    }

    @Test
    void mergeAndStandaloneSampleJobsAreTrackedByStatusOnly() {
        TestEvents merge = new TestEvents("acme", "merge-1");
        driver.pipe(merge.mergeRequested("ev-merge"));
        assertEquals(JobStage.MERGING, driver.status("merge-1").stage);
        assertEquals(JobKind.MERGE, driver.status("merge-1").kind);
        assertEquals(List.of(TestEvents.sha("da"), TestEvents.sha("db")), driver.status("merge-1").merge.sourceDigests);
        driver.pipe(merge.mergeCompleted("ev-merged", "ev-merge"));
        JobStatus merged = driver.status("merge-1");
        assertEquals(JobStage.DONE, merged.stage);
        assertEquals("tenants/acme/deltas/" + TestEvents.sha("dm") + ".safetensors", merged.merge.merged.key);
        assertEquals(List.of("<new1>", "<new2>"), merged.merge.tokens);
        assertEquals(List.of(TestEvents.sha("classset")), merged.merge.classSetDigests);
        assertEquals("retrieval-corpus", merged.merge.captionSource);
        assertEquals(1002, merged.merge.captionCount);
        assertEquals(TestEvents.sha("mc"), merged.merge.captionSet.sha256);
        assertEquals("tenants/acme/merge-diagnostics/" + TestEvents.sha("md") + ".json", merged.merge.diagnostics.key);

        TestEvents sample = new TestEvents("acme", "sample-1");
        driver.pipe(sample.sampleRequested("ev-sample"));
        assertEquals(JobKind.SAMPLE, driver.status("sample-1").kind);
        assertEquals(JobStage.SAMPLING, driver.status("sample-1").stage);
        driver.pipe(sample.samplesGenerated("ev-sampled", "ev-sample"));
        assertEquals(JobStage.DONE, driver.status("sample-1").stage);
        assertEquals(2, driver.status("sample-1").samples.images.size());

        TestEvents failedMerge = new TestEvents("acme", "merge-2");
        driver.pipe(failedMerge.mergeRequested("ev-merge-2"));
        driver.pipe(failedMerge.jobFailed("ev-merge-2-failed", "merging"));
        assertEquals(JobStage.FAILED, driver.status("merge-2").stage);
        assertEquals(List.of(), driver.drain());
    }

    @Test
    void noSamplePromptsConfiguredMeansDoneAfterTraining(@TempDir Path dir) {
        OrchestratorSettings noSampling = OrchestratorSettings.fromMap(Map.of("orchestrator.sampling.prompts", " | "));
        try (OrchestratorTestDriver d = new OrchestratorTestDriver(serdes(), noSampling, CLOCK, dir)) {
            runToTraining(d, job);
            d.pipe(job.trainingCompleted("ev-trained", null));
            assertEquals(List.of(), d.drain());
            assertEquals(JobStage.DONE, d.status("job-1").stage);
        }
    }

    static <T> T single(List<SpecificRecord> emitted, Class<T> type) {
        assertEquals(1, emitted.size(), () -> "expected exactly one " + type.getSimpleName() + ", got " + emitted);
        return assertInstanceOf(type, emitted.get(0));
    }
}

package dev.cdiff.orchestrator;

import dev.cdiff.embedded.registry.InMemoryRegistryLog;
import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-tenant caps refused with a JobFailed that names the cap and its limit (and nothing sent on to work), and
 * training slots handed out round-robin across tenants.
 */
class TrainingQuotaAndFairnessTest {
    static LocalSchemaRegistry registry;
    static RegistryEventSerdes serdes;

    @TempDir
    Path stateDir;
    OrchestratorTestDriver driver;

    @BeforeAll
    static void startRegistry() {
        registry = LocalSchemaRegistry.startInMemory(new InMemoryRegistryLog(), 0);
        serdes = new RegistryEventSerdes(new SchemaRegistryClient(registry.url()), true);
    }

    @AfterAll
    static void stopRegistry() {
        serdes.close();
        registry.close();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    void start(Map<String, String> quotas) {
        driver = new OrchestratorTestDriver(serdes, JobTopologyTest.SETTINGS, JobLifecycle.defaults(),
                Quotas.fromMap(quotas), JobTopologyTest.CLOCK, stateDir);
    }

    static TrainingOptions options(int steps, int batchSize, int resolution) {
        return TrainingOptions.newBuilder().setSteps(steps).setBatchSize(batchSize).setLearningRate(1e-5)
                .setPriorLossWeight(1.0).setResolution(resolution).setSeed(7L).setMode("custom-diffusion")
                .setProgressEverySteps(10).setCheckpointEverySteps(50).build();
    }

    /** Submits the concept and asserts the job ended at once with a JobFailed, nothing else emitted. */
    JobFailed refusedOnSubmission(ConceptSubmitted submitted) {
        driver.pipe(submitted);
        List<SpecificRecord> out = driver.drain();
        assertEquals(1, out.size(), "only the JobFailed, no RegularizationRequested: " + out);
        JobFailed failed = assertInstanceOf(JobFailed.class, out.get(0));
        assertEquals("quota", failed.getStage());
        assertEquals("QuotaExceeded", failed.getErrorClass());
        JobStatus status = driver.status(submitted.getJobId());
        assertEquals(JobStage.FAILED, status.stage);
        assertEquals(failed.getReason(), status.error.reason);
        return failed;
    }

    @Test
    void trainingStepsOverTheCapAreRefusedNamingTheCapAndItsLimit() {
        start(Map.of());
        TestEvents job = new TestEvents("acme", "job-steps");
        JobFailed failed = refusedOnSubmission(job.submitted("ev-1", List.of(), options(5000, 2, 64)));
        assertEquals("quota exceeded for tenant acme: training steps 5000 is over the limit of 2000"
                + " (quota.acme.maxSteps)", failed.getReason());
    }

    @Test
    void resolutionOverTheCapIsRefusedNamingTheCapAndItsLimit() {
        start(Map.of());
        TestEvents job = new TestEvents("acme", "job-res");
        JobFailed failed = refusedOnSubmission(job.submitted("ev-1", List.of(), options(100, 2, 1024)));
        assertTrue(failed.getReason().contains("resolution 1024 is over the limit of 768 (quota.acme.maxResolution)"),
                failed.getReason());
    }

    @Test
    void batchSizeOverTheCapIsRefusedNamingTheCapAndItsLimit() {
        start(Map.of());
        TestEvents job = new TestEvents("acme", "job-batch");
        JobFailed failed = refusedOnSubmission(job.submitted("ev-1", List.of(), options(100, 64, 64)));
        assertTrue(failed.getReason().contains("batch size 64 is over the limit of 8 (quota.acme.maxBatchSize)"),
                failed.getReason());
    }

    @Test
    void moreImagesPerConceptThanTheCapAreRefusedNamingTheCapAndItsLimit() {
        start(Map.of());
        TestEvents job = new TestEvents("acme", "job-images");
        ConceptSubmitted submitted = ConceptSubmitted.newBuilder(job.submitted("ev-1", List.of(), null))
                .setImages(job.images(21)).build();
        JobFailed failed = refusedOnSubmission(submitted);
        assertTrue(failed.getReason().contains("images per concept 21 is over the limit of 20"
                + " (quota.acme.maxImagesPerConcept)"), failed.getReason());
    }

    @Test
    void aTenantsOwnCapOverridesTheDefaultForThatTenantOnly() {
        start(Map.of("quota.acme.maxSteps", "100", "quota.trainingSlots", "2"));
        JobFailed failed = refusedOnSubmission(new TestEvents("acme", "job-a").submitted("ev-a", List.of(), null));
        assertTrue(failed.getReason().contains("training steps 250 is over the limit of 100 (quota.acme.maxSteps)"),
                failed.getReason());

        TestEvents other = new TestEvents("bravo", "job-b");
        driver.pipe(other.submitted("ev-b", List.of(), null));
        driver.pipe(other.regularizationReady("reg-b", null));
        assertEquals(1, started(driver.drain()).size(), "bravo's 250 steps are within the default 2000");
        assertEquals(JobStage.TRAINING, driver.status("job-b").stage);
    }

    @Test
    void aCapLoweredAfterSubmissionIsCheckedAgainBeforeTheTrainingIsQueued() {
        TestEvents job = new TestEvents("acme", "job-1");
        JobStatus submitted = new JobTransitions(JobTopologyTest.SETTINGS, Quotas.defaults())
                .apply(null, job.submitted("ev-1", List.of(), null), JobTopologyTest.NOW).status();
        assertEquals(JobStage.REGULARIZING, submitted.stage);

        JobTransitions.Outcome outcome = new JobTransitions(JobTopologyTest.SETTINGS,
                Quotas.fromMap(Map.of("quota.maxSteps", "200")))
                .apply(submitted, job.regularizationReady("reg-1", null), JobTopologyTest.NOW);
        assertEquals(List.of(), outcome.scheduled(), "nothing queued for training");
        JobFailed failed = assertInstanceOf(JobFailed.class, outcome.emitted().get(0));
        assertEquals(1, outcome.emitted().size());
        assertEquals("quota exceeded for tenant acme: training steps 250 is over the limit of 200"
                + " (quota.acme.maxSteps)", failed.getReason());
        assertEquals(JobStage.FAILED, outcome.status().stage);
    }

    @Test
    void aJobBeyondTheTenantsQueuedCapIsRefusedAndNeverRequested() {
        start(Map.of("quota.acme.maxQueuedTraining", "2"));
        List<SpecificRecord> out = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            out.addAll(ready(new TestEvents("acme", "job-" + i)));
        }
        // job-1 runs, job-2 and job-3 wait, job-4 would be the third waiting
        assertEquals(List.of("job-1"), started(out).stream().map(TrainingRequested::getJobId).toList());
        JobFailed failed = out.stream().filter(JobFailed.class::isInstance).map(JobFailed.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no JobFailed in " + out));
        assertEquals("job-4", failed.getJobId());
        assertEquals("queued", failed.getStage());
        assertEquals("QuotaExceeded", failed.getErrorClass());
        assertEquals("quota exceeded for tenant acme: queued training jobs 3 is over the limit of 2"
                + " (quota.acme.maxQueuedTraining)", failed.getReason());
        assertEquals(JobStage.FAILED, driver.status("job-4").stage);
        assertEquals(JobStage.QUEUED, driver.status("job-2").stage);

        // the refused job never gets a slot: the next two to start are the two that waited
        List<String> next = new ArrayList<>();
        next.addAll(finish(new TestEvents("acme", "job-1")));
        next.addAll(finish(new TestEvents("acme", "job-2")));
        next.addAll(finish(new TestEvents("acme", "job-3")));
        assertEquals(List.of("job-2", "job-3"), next);
    }

    @Test
    void aTenantNeverRunsMoreThanItsConcurrentCapEvenWithFreeSlots() {
        start(Map.of("quota.trainingSlots", "3", "quota.acme.maxConcurrentTraining", "1"));
        List<SpecificRecord> out = new ArrayList<>();
        out.addAll(ready(new TestEvents("acme", "job-a1")));
        out.addAll(ready(new TestEvents("acme", "job-a2")));
        out.addAll(ready(new TestEvents("bravo", "job-b1")));
        out.addAll(ready(new TestEvents("bravo", "job-b2")));
        assertEquals(List.of("job-a1", "job-b1", "job-b2"),
                started(out).stream().map(TrainingRequested::getJobId).toList());
        assertEquals(JobStage.QUEUED, driver.status("job-a2").stage, "acme waits for its own job, not for a slot");
        assertEquals(List.of("job-a2"), finish(new TestEvents("acme", "job-a1")));
    }

    @Test
    void aJobThatFailsTrainingFreesItsSlotForTheNext() {
        start(Map.of());
        ready(new TestEvents("acme", "job-1"));
        ready(new TestEvents("acme", "job-2"));
        ready(new TestEvents("acme", "job-3"));
        TestEvents first = new TestEvents("acme", "job-1");
        driver.pipe(first.trainingFailed("failed-1"));
        List<SpecificRecord> out = driver.drain();
        assertEquals(List.of("job-2"), started(out).stream().map(TrainingRequested::getJobId).toList());
        assertEquals(JobStage.FAILED, driver.status("job-1").stage);
    }

    /**
     * Tenant A submits 20 jobs, then tenant B submits 1; with one training slot, B's job starts before A's third.
     * Each job finishes training before the next one is released; every other one fails instead of completing,
     * since both free the slot.
     */
    @Test
    void tenantBsOneJobStartsBeforeTenantAsThirdOfTwenty() {
        start(Map.of());
        List<String> order = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            order.addAll(started(ready(new TestEvents("tenant-a", "a-" + i))).stream()
                    .map(TrainingRequested::getJobId).toList());
        }
        order.addAll(started(ready(new TestEvents("tenant-b", "b-1"))).stream()
                .map(TrainingRequested::getJobId).toList());
        assertEquals(List.of("a-1"), order, "one slot: only the first job started so far");

        for (int n = 0; n < 21; n++) {
            String running = order.get(n);
            TestEvents job = new TestEvents(running.startsWith("a-") ? "tenant-a" : "tenant-b", running);
            order.addAll(finish(job, n % 2 == 1));
        }
        System.out.println("training start order: " + order);
        assertEquals(21, order.size(), order.toString());
        assertTrue(order.indexOf("b-1") < order.indexOf("a-3"), "B before A's third: " + order);
        assertEquals(List.of("a-1", "b-1", "a-2", "a-3"), order.subList(0, 4));
    }

    /** Submission and regularization of one job; what the topology emitted. */
    private List<SpecificRecord> ready(TestEvents job) {
        driver.pipe(job.submitted("submit-" + job.jobId, List.of(), null));
        driver.pipe(job.regularizationReady("reg-" + job.jobId, null));
        return driver.drain();
    }

    private List<String> finish(TestEvents job) {
        return finish(job, false);
    }

    /** Ends the job's training by completion or failure; the ids of the jobs that started in consequence. */
    private List<String> finish(TestEvents job, boolean fail) {
        assertEquals(JobStage.TRAINING, driver.status(job.jobId).stage, job.jobId + " should be training");
        if (fail) {
            driver.pipe(job.trainingFailed("failed-" + job.jobId));
        } else {
            driver.pipe(job.trainingCompleted("done-" + job.jobId, null));
        }
        assertNotNull(driver.status(job.jobId));
        return started(driver.drain()).stream().map(TrainingRequested::getJobId).toList();
    }

    private static List<TrainingRequested> started(List<SpecificRecord> out) {
        return out.stream().filter(TrainingRequested.class::isInstance).map(TrainingRequested.class::cast).toList();
    }
}

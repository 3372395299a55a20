package dev.cdiff.orchestrator;

import dev.cdiff.embedded.registry.InMemoryRegistryLog;
import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.RegularizationRequested;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How jobs end when nothing answers: stage timeouts, dead letters and the expiry of finished jobs, through the
 * real topology with registry serdes (an undecodable record dead-lettered by the orchestrator itself is shown on a
 * real broker in OrchestratorServiceEmbeddedKafkaTest). The processor's clock and the driver's wall clock (which
 * fires the sweep) move together.
 */
class JobLifecycleTest {
    static final JobLifecycle LIFECYCLE = JobLifecycle.fromMap(Map.of(
            "orchestrator.timeout.regularizing", "10m",
            "orchestrator.timeout.training", "1h",
            "orchestrator.jobs.retention", "1d",
            "orchestrator.sweep.interval", "30s"));

    static LocalSchemaRegistry registry;
    static RegistryEventSerdes serdes;

    @TempDir
    Path stateDir;
    final MovingClock clock = new MovingClock(JobTopologyTest.NOW);
    OrchestratorTestDriver driver;
    final TestEvents job = new TestEvents("acme", "job-1");

    static final class MovingClock extends Clock {
        Instant now;

        MovingClock(Instant start) {
            now = start;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

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

    void startDriver() {
        driver = new OrchestratorTestDriver(serdes, JobTopologyTest.SETTINGS, LIFECYCLE, clock, stateDir);
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    /** Moves both clocks; the sweep runs once per 30 s of wall clock passed. */
    void pass(Duration d) {
        clock.now = clock.now.plus(d);
        driver.advanceWallClock(d);
    }

    void toTraining() {
        driver.pipe(job.submitted("ev-submit", List.of(), null));
        driver.pipe(job.regularizationReady("ev-reg", null));
        driver.drain();
        assertEquals(JobStage.TRAINING, driver.status("job-1").stage);
    }

    @Test
    void aStuckStageFailsTheJobNamingTheStageAndALateAnswerRevivesIt() {
        startDriver();
        driver.pipe(job.submitted("ev-submit", List.of(), null));
        assertInstanceOf(RegularizationRequested.class, driver.drain().get(0));

        pass(Duration.ofMinutes(9));
        assertEquals(List.of(), driver.drain(), "still within the 10 min of regularizing");
        assertEquals(JobStage.REGULARIZING, driver.status("job-1").stage);

        pass(Duration.ofMinutes(2));
        List<SpecificRecord> emitted = driver.drain();
        assertEquals(1, emitted.size(), emitted.toString());
        JobFailed failed = assertInstanceOf(JobFailed.class, emitted.get(0));
        assertEquals("regularizing", failed.getStage());
        assertEquals("StageTimeout", failed.getErrorClass());
        assertTrue(failed.getReason().contains("stage regularizing timed out"), failed.getReason());
        assertEquals(JobStage.FAILED, driver.status("job-1").stage);

        pass(Duration.ofMinutes(30));
        assertEquals(List.of(), driver.drain(), "a failed job is not failed again");

        // the regularization set arrives after all (a slow retrieval, or a replayed dead letter): the job goes on
        driver.pipe(job.regularizationReady("ev-reg-late", null));
        List<SpecificRecord> afterRevival = driver.drain();
        assertEquals(1, afterRevival.size(), afterRevival.toString());
        assertInstanceOf(TrainingRequested.class, afterRevival.get(0));
        JobStatus revived = driver.status("job-1");
        assertEquals(JobStage.TRAINING, revived.stage);
        assertNull(revived.error);
    }

    @Test
    void trainingThatKeepsReportingIsNeverTimedOutButOneThatGoesSilentIs() {
        startDriver();
        toTraining();
        for (int step = 1; step <= 3; step++) {
            pass(Duration.ofMinutes(50));
            driver.pipe(job.progress("p" + step, step * 10, 0.5));
        }
        assertEquals(List.of(), driver.drain(), "2.5 h of training, but never 1 h without a report");
        assertEquals(JobStage.TRAINING, driver.status("job-1").stage);

        pass(Duration.ofMinutes(61));
        JobFailed failed = assertInstanceOf(JobFailed.class, single(driver.drain()));
        assertEquals("training", failed.getStage());
        assertTrue(failed.getReason().contains("no news for 1h"), failed.getReason());
    }

    @Test
    void finishedJobsExpireAfterTheRetentionAndRunningOnesStay() {
        startDriver();
        driver.pipe(job.mergeRequested("ev-merge"));
        driver.pipe(job.mergeCompleted("ev-merged", "ev-merge"));
        TestEvents other = new TestEvents("acme", "job-running");
        driver.pipe(other.submitted("ev-other", List.of(), null));
        driver.drain();
        assertEquals(JobStage.DONE, driver.status("job-1").stage);

        pass(Duration.ofHours(23));
        assertNotNull(driver.status("job-1"), "kept within the retention");
        pass(Duration.ofHours(2));
        assertNull(driver.status("job-1"), "deleted once older than the retention");
        assertEquals(JobStage.FAILED, driver.status("job-running").stage, "timed out long ago, not yet expired");
        assertEquals(1, driver.jobCount());
    }

    @Test
    void aServicesDeadLetterEndsTheJobWithAJobFailedNamingTheReason() {
        startDriver();
        toTraining();
        driver.pipeKeyed("job-1", letter("dl-1", "training", Topics.TRAINING_REQUESTED, "acme", "job-1",
                "delta refers to a base model this worker does not have"));
        JobFailed failed = assertInstanceOf(JobFailed.class, single(driver.drain()));
        assertEquals("training", failed.getStage());
        assertEquals("acme", failed.getTenantId());
        assertTrue(failed.getReason().contains("dead-lettered by training"), failed.getReason());
        assertTrue(failed.getReason().contains("base model this worker does not have"), failed.getReason());
        assertEquals(JobStage.FAILED, driver.status("job-1").stage);
    }

    @Test
    void deadLettersThatDoNotMatchTheJobChangeNothing() {
        startDriver();
        toTraining();
        driver.pipeKeyed("job-1", letter("dl-a", "training", Topics.TRAINING_REQUESTED, "mallory", "job-1", "x"));
        driver.pipeKeyed("job-1", letter("dl-b", "training", Topics.TRAINING_REQUESTED, "acme", "job-2", "x"));
        driver.pipeKeyed("job-1", letter("dl-c", "orchestrator", Topics.TRAINING_PROGRESS, null, null, "x"));
        driver.pipeKeyed("no-such-job", letter("dl-d", "sampling", Topics.SAMPLE_REQUESTED, null, null, "x"));
        assertEquals(List.of(), driver.drain());
        JobStatus status = driver.status("job-1");
        assertEquals(JobStage.TRAINING, status.stage, "another tenant's or job's letter, or a lost progress report");
        assertEquals(1, driver.jobCount());
    }

    static DeadLetter letter(String id, String service, String topic, String tenant, String jobId, String message) {
        return DeadLetter.newBuilder().setEventId(id).setService(service).setOriginalTopic(topic)
                .setOriginalPartition(0).setOriginalOffset(42L)
                .setOriginalKey(ByteBuffer.wrap("job-1".getBytes(StandardCharsets.UTF_8)))
                .setOriginalValue(ByteBuffer.wrap(new byte[]{0, 1})).setOriginalEventId("orig-" + id)
                .setTenantId(tenant).setJobId(jobId).setErrorClass("dev.cdiff.platform.kafka.NonRetryableException")
                .setErrorMessage(message).setAttempts(1).setFailedAt(JobTopologyTest.NOW).build();
    }

    static SpecificRecord single(List<SpecificRecord> records) {
        assertEquals(1, records.size(), records.toString());
        return records.get(0);
    }
}

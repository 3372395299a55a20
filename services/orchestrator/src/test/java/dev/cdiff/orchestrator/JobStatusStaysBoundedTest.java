package dev.cdiff.orchestrator;

import dev.cdiff.embedded.registry.InMemoryRegistryLog;
import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.TrainingProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 100,000-step training reporting progress at every step, through the real topology and registry serdes: the
 * job's status record (what the changelog carries, limit 1 MB) stays small, and its loss curve is an even sample
 * of the run with the latest progress exact.
 */
class JobStatusStaysBoundedTest {
    static final int STEPS = 100_000;
    static final int BOUND_BYTES = 64 * 1024;

    @TempDir
    Path stateDir;

    static double loss(int step) {
        return 1.0 / Math.sqrt(step);
    }

    @Test
    void aHundredThousandProgressReportsKeepTheStatusUnder64KiBWithAnEvenLossCurve() {
        TestEvents job = new TestEvents("acme", "long-job");
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.startInMemory(new InMemoryRegistryLog(), 0);
             RegistryEventSerdes serdes = new RegistryEventSerdes(new SchemaRegistryClient(registry.url()), true);
             OrchestratorTestDriver driver = new OrchestratorTestDriver(serdes, JobTopologyTest.SETTINGS,
                     JobTopologyTest.CLOCK, stateDir)) {
            ConceptSubmitted submitted = job.submitted("ev-submit", List.of(), null);
            driver.pipe(submitted);
            driver.pipe(job.regularizationReady("ev-reg", null));
            driver.drain();
            assertEquals(JobStage.TRAINING, driver.status("long-job").stage);

            int largest = 0;
            for (int step = 1; step <= STEPS; step++) {
                TrainingProgress p = job.progress("p-" + step, step, loss(step));
                p.setTotalSteps(STEPS);
                p.setCheckpoint(null);
                driver.pipe(p);
                if (step % 997 == 0 || step == STEPS) {
                    largest = Math.max(largest, driver.serializedSize("long-job"));
                }
            }
            // a redelivered report of a step already recorded changes nothing
            driver.pipe(job.progress("p-" + STEPS + "-again", STEPS, 42.0));

            JobStatus status = driver.status("long-job");
            int size = driver.serializedSize("long-job");
            System.out.printf("100,000-step job: status %d bytes at the end, largest sampled %d bytes; curve %d points,"
                    + " stride %d%n", size, largest, status.lossCurve.steps.size(), status.lossCurve.stride);
            assertTrue(largest < BOUND_BYTES, "status grew to " + largest + " bytes");

            assertEquals(STEPS, status.progress.step);
            assertEquals(loss(STEPS), status.progress.loss);
            assertEquals((long) STEPS, status.eventCounts.get("in TrainingProgress"));
            assertEquals(1L, status.eventCounts.get("in TrainingProgress (ignored)"));
            assertTrue(status.history.size() <= JobStatus.MAX_HISTORY);

            JobStatus.LossCurve curve = status.lossCurve;
            assertEquals(STEPS, curve.reports);
            assertTrue(curve.steps.size() <= JobStatus.LossCurve.MAX_POINTS, curve.steps.size() + " points");
            assertTrue(curve.steps.size() > JobStatus.LossCurve.MAX_POINTS / 2, curve.steps.size() + " points");
            assertEquals(1, curve.steps.get(0), "the curve starts at the first report");
            for (int i = 0; i < curve.steps.size(); i++) {
                assertEquals(1 + i * curve.stride, curve.steps.get(i), "evenly spaced by the stride");
                assertEquals(loss(curve.steps.get(i)), curve.losses.get(i), "the loss reported at that step");
            }
            assertTrue(STEPS - curve.steps.get(curve.steps.size() - 1) < curve.stride, "the curve reaches the end");
        }
    }
}

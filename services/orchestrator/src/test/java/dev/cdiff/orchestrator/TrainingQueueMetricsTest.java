package dev.cdiff.orchestrator;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TrainingQueueMetricsTest {

    static TrainingScheduler.TenantQueue queue(List<String> queued, List<String> running) {
        TrainingScheduler.TenantQueue q = new TrainingScheduler.TenantQueue();
        q.queued.addAll(queued);
        q.running.addAll(running);
        return q;
    }

    @Test
    void eachTenantsWaitingAndRunningJobsAreGaugedAndAnEmptiedQueueReadsZero() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TrainingQueueMetrics metrics = new TrainingQueueMetrics(registry);
        metrics.update(Map.of("acme", queue(List.of("j1", "j2", "j3"), List.of("j0")),
                "globex", queue(List.of(), List.of("g0"))));
        assertEquals(3.0, registry.get(TrainingQueueMetrics.QUEUED).tag("tenant", "acme").gauge().value());
        assertEquals(1.0, registry.get(TrainingQueueMetrics.RUNNING).tag("tenant", "acme").gauge().value());
        assertEquals(0.0, registry.get(TrainingQueueMetrics.QUEUED).tag("tenant", "globex").gauge().value());

        // acme's queue drained and was deleted from the store: it is no longer in the picture the scheduler hands over
        metrics.update(Map.of("globex", queue(List.of("g1"), List.of("g0"))));
        assertEquals(0.0, registry.get(TrainingQueueMetrics.QUEUED).tag("tenant", "acme").gauge().value());
        assertEquals(0.0, registry.get(TrainingQueueMetrics.RUNNING).tag("tenant", "acme").gauge().value());
        assertEquals(1.0, registry.get(TrainingQueueMetrics.QUEUED).tag("tenant", "globex").gauge().value());
    }
}

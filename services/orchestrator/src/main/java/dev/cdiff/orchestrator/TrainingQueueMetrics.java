package dev.cdiff.orchestrator;

import dev.cdiff.platform.metrics.ServiceMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per tenant, the training jobs waiting in the fair scheduler and those holding a slot, as the scheduler's task
 * last saw them. A tenant whose queue emptied reads 0 rather than vanishing, so a graph does not keep its last value.
 */
final class TrainingQueueMetrics {
    static final String QUEUED = "cdiff.training.queue.length";
    static final String RUNNING = "cdiff.training.running";

    private static final TrainingQueueMetrics PROCESS = new TrainingQueueMetrics(ServiceMetrics.registry());

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> queued = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> running = new ConcurrentHashMap<>();

    TrainingQueueMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    static TrainingQueueMetrics process() {
        return PROCESS;
    }

    /** The whole picture after a scheduling decision: tenants missing from {@code queues} have nothing left. */
    void update(Map<String, TrainingScheduler.TenantQueue> queues) {
        queued.forEach((tenant, n) -> n.set(0));
        running.forEach((tenant, n) -> n.set(0));
        queues.forEach((tenant, queue) -> {
            gauge(queued, QUEUED, "Training jobs of the tenant waiting for a slot", tenant).set(queue.queued.size());
            gauge(running, RUNNING, "Training jobs of the tenant holding a slot", tenant).set(queue.running.size());
        });
    }

    private AtomicLong gauge(Map<String, AtomicLong> values, String name, String description, String tenant) {
        return values.computeIfAbsent(tenant, t -> {
            AtomicLong holder = new AtomicLong();
            Gauge.builder(name, holder, AtomicLong::get).description(description).tag("tenant", t).register(registry);
            return holder;
        });
    }
}

package dev.cdiff.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Events a service produced, per topic, counted once the broker acknowledged them. */
public final class PublishMetrics {
    public static final String PRODUCED = "cdiff.events.produced";

    private final MeterRegistry registry;
    private final String service;

    public PublishMetrics(MeterRegistry registry, String service) {
        this.registry = registry;
        this.service = service;
    }

    public void produced(String topic) {
        Counter.builder(PRODUCED).description("Events acknowledged by the broker, per topic")
                .tags("service", service, "topic", topic).register(registry).increment();
    }
}

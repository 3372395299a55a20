package dev.cdiff.platform.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The process's one meter registry, served as Prometheus text at {@code /metrics} by every service's health server.
 * One per process rather than one per service: {@code ./cdiff demo} runs every service in one JVM, and there each
 * meter's {@code service} tag tells them apart, exactly as the scrape target does in a container.
 */
public final class ServiceMetrics {
    /** Content type of the Prometheus text exposition format the scrape answers with. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final PrometheusMeterRegistry REGISTRY = create();

    private ServiceMetrics() {
    }

    private static PrometheusMeterRegistry create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        // the GC binder keeps a notification listener for the life of the process, as the registry does
        new JvmGcMetrics().bindTo(registry);
        return registry;
    }

    public static MeterRegistry registry() {
        return REGISTRY;
    }

    /** Every meter in the Prometheus text format. */
    public static String scrape() {
        return REGISTRY.scrape();
    }
}

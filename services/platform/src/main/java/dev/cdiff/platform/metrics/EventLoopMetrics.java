package dev.cdiff.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one service's consumer loop, each tagged with the service and the record's topic: records consumed,
 * time to a stored outcome, retries, duplicates skipped, dead letters, and consumer lag per partition.
 *
 * <p>The lag is measured by the loop's thread after each poll and only read by the scrape: a Kafka consumer must
 * not be touched from the HTTP thread.
 */
public final class EventLoopMetrics {
    public static final String CONSUMED = "cdiff.events.consumed";
    public static final String PROCESSING = "cdiff.events.processing";
    public static final String RETRIES = "cdiff.events.retries";
    public static final String DUPLICATES = "cdiff.events.duplicates";
    public static final String DEAD_LETTERED = "cdiff.events.dead.lettered";
    public static final String LAG = "cdiff.consumer.lag";

    private final MeterRegistry registry;
    private final String service;
    private final Map<TopicPartition, AtomicLong> lag = new ConcurrentHashMap<>();

    public EventLoopMetrics(MeterRegistry registry, String service) {
        this.registry = registry;
        this.service = service;
    }

    public void consumed(String topic) {
        counter(CONSUMED, "Records taken from the topic by the service's event loop", topic).increment();
    }

    public void processed(String topic, String outcome, long nanos) {
        Timer.builder(PROCESSING).description("Time from taking a record to its stored outcome (or giving it up)")
                .tags("service", service, "topic", topic, "outcome", outcome)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void retried(String topic) {
        counter(RETRIES, "Handler attempts repeated after an unexpected failure", topic).increment();
    }

    public void duplicate(String topic) {
        counter(DUPLICATES, "Records skipped because their event was already processed", topic).increment();
    }

    public void deadLettered(String topic) {
        counter(DEAD_LETTERED, "Records published to the dead-letter topic", topic).increment();
    }

    /** Records the lag of a partition; a partition no longer assigned keeps its last value until assigned again. */
    public void lag(TopicPartition partition, long records) {
        lag.computeIfAbsent(partition, p -> {
            AtomicLong holder = new AtomicLong();
            Gauge.builder(LAG, holder, AtomicLong::get)
                    .description("Records in the partition not yet consumed by this service's group member")
                    .tags("service", service, "topic", p.topic(), "partition", Integer.toString(p.partition()))
                    .register(registry);
            return holder;
        }).set(records);
    }

    private Counter counter(String name, String description, String topic) {
        return Counter.builder(name).description(description).tags("service", service, "topic", topic)
                .register(registry);
    }
}

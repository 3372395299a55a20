package dev.cdiff.platform.kafka;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.ids.EventIds;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.metrics.PublishMetrics;
import dev.cdiff.platform.metrics.ServiceMetrics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Sends an event to its type's topic keyed by job id and waits for the broker's acknowledgement. */
public final class EventPublisher {
    private final Producer<String, SpecificRecord> producer;
    private final ServiceConfig config;
    private final PublishMetrics metrics;

    public EventPublisher(Producer<String, SpecificRecord> producer, ServiceConfig config) {
        this.producer = producer;
        this.config = config;
        this.metrics = new PublishMetrics(ServiceMetrics.registry(),
                config.optional(ServiceConfig.SERVICE_NAME).orElse("unnamed"));
    }

    /** Publishes {@code event}; an id or artifact key in it that breaks the platform's grammar is refused first. */
    public void publish(String jobId, SpecificRecord event) {
        Ids.jobId("record key", jobId);
        EventIds.check(event);
        String topic = config.topic(Topics.of(event.getClass()));
        try {
            producer.send(new ProducerRecord<>(topic, jobId, event)).get(60, TimeUnit.SECONDS);
            metrics.produced(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("publishing " + event.getClass().getSimpleName() + " to " + topic
                    + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Event id of an output derived from the input event it answers: a redelivered input produces the same output
     * id, so a duplicate publish (crash between publish and marking done) is deduplicated downstream.
     */
    public static String derivedEventId(String causationId, String outputKind) {
        if (causationId == null) {
            return UUID.randomUUID().toString();
        }
        return UUID.nameUUIDFromBytes((causationId + "/" + outputKind).getBytes(StandardCharsets.UTF_8)).toString();
    }
}

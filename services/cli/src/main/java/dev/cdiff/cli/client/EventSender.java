package dev.cdiff.cli.client;

import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.ids.EventIds;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes request events (SampleRequested, MergeRequested) the way services publish theirs: keyed by job id,
 * Confluent-framed Avro with the schema registered under the topic's subject.
 */
public final class EventSender implements AutoCloseable {
    private final Endpoints endpoints;
    private final SchemaRegistryClient registry;
    private final KafkaProducer<String, SpecificRecord> producer;

    public EventSender(Endpoints endpoints) {
        this.endpoints = endpoints;
        this.registry = SchemaRegistryClient.fromConfig(endpoints.serviceConfig("cdiff-cli"), java.time.Duration.ofSeconds(30));
        this.producer = new KafkaClients(endpoints.serviceConfig("cdiff-cli"))
                .producer(new StringSerializer(), new ConfluentAvroSerializer<>(registry, true));
    }

    /**
     * Sends and waits for the broker's acknowledgement. An id or key outside the platform's grammar is refused here
     * with the field named, rather than dead-lettered by the service that would read it.
     */
    public void send(String jobId, SpecificRecord event) throws InterruptedException {
        Ids.jobId("record key", jobId);
        EventIds.check(event);
        String topic = endpoints.topicPrefix() + Topics.of(event.getClass());
        try {
            producer.send(new ProducerRecord<>(topic, jobId, event)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot publish " + event.getClass().getSimpleName() + " to " + topic
                    + ": " + (e.getCause() != null ? e.getCause() : e), e);
        }
    }

    @Override
    public void close() {
        producer.close();
        registry.close();
    }
}

package dev.cdiff.platform.kafka;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Publishes envelopes to a dead-letter topic and waits for the broker's acknowledgement. The value encoding
 * is the caller's: e.g. {@code new KafkaDeadLetterPublisher<>(avroProducer, topic, DeadLetterEnvelope::toAvro)}.
 */
public final class KafkaDeadLetterPublisher<V> implements DeadLetterPublisher {

    private final Producer<String, V> producer;
    private final String topic;
    private final Function<DeadLetterEnvelope, V> encoder;

    public KafkaDeadLetterPublisher(Producer<String, V> producer, String topic, Function<DeadLetterEnvelope, V> encoder) {
        this.producer = producer;
        this.topic = topic;
        this.encoder = encoder;
    }

    @Override
    public void publish(DeadLetterEnvelope envelope) throws Exception {
        producer.send(new ProducerRecord<>(topic, envelope.recordKey(), encoder.apply(envelope))).get(60, TimeUnit.SECONDS);
    }
}

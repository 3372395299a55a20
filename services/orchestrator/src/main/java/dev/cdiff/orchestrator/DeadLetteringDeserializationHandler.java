package dev.cdiff.orchestrator;

import dev.cdiff.platform.faults.FailureKind;
import dev.cdiff.platform.kafka.DeadLetterEnvelope;
import dev.cdiff.schemas.events.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the orchestrator's streams do with a record they cannot decode, following {@link FailureKind}:
 * <ul>
 *   <li>the registry is unavailable: fail. Nothing is committed (exactly-once aborts the transaction) and the
 *       stream thread is replaced after a backoff ({@link StreamFailurePolicy}), so the record is decoded again
 *       once the registry is back; skipping it would lose it for good;</li>
 *   <li>poison: a DeadLetter envelope with the raw bytes goes to the dead-letter topic in the same transaction as
 *       the offset commit, keyed by the record's key (the job id), and the stream goes on. The orchestrator reads
 *       that letter back and ends the job;</li>
 *   <li>a record of the dead-letter topic itself that cannot be decoded is skipped: it is already on the
 *       dead-letter topic, so nothing is lost, and re-dead-lettering it would loop for ever.</li>
 * </ul>
 * Configured through the streams properties {@link #SERIALIZER} (a {@code Serializer<DeadLetter>} instance),
 * {@link #TOPIC} and {@link #SERVICE}.
 */
public final class DeadLetteringDeserializationHandler implements DeserializationExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringDeserializationHandler.class);
    public static final String SERIALIZER = "cdiff.dead.letter.serializer";
    public static final String TOPIC = "cdiff.dead.letter.topic";
    public static final String SERVICE = "cdiff.dead.letter.service";

    private Serializer<DeadLetter> serializer;
    private String topic;
    private String service;

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        Object s = configs.get(SERIALIZER);
        if (!(s instanceof Serializer)) {
            throw new IllegalArgumentException(SERIALIZER + " must be a Serializer<DeadLetter> instance, got " + s);
        }
        serializer = (Serializer<DeadLetter>) s;
        topic = String.valueOf(configs.get(TOPIC));
        Object name = configs.get(SERVICE);
        service = name == null ? "orchestrator" : name.toString();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (FailureKind.of(exception) == FailureKind.INFRASTRUCTURE) {
            LOG.warn("{}: cannot decode {} because a dependency is unavailable ({}); failing so it is decoded again later",
                    service, where, exception.toString());
            return Response.fail();
        }
        if (record.topic().equals(topic)) {
            LOG.error("{}: dead letter {} cannot be decoded ({}); skipped, it stays on {}", service, where,
                    exception.toString(), topic);
            return Response.resume();
        }
        DeadLetterEnvelope envelope = new DeadLetterEnvelope(UUID.randomUUID().toString(), service, record.topic(),
                record.partition(), record.offset(), record.key(), record.value(), null, null, null,
                exception.getClass().getName(), describe(exception), 1, Instant.now());
        byte[] value;
        try {
            value = serializer.serialize(topic, envelope.toAvro());
        } catch (RuntimeException e) {
            // most likely the registry went away between the two calls: the record must not be skipped
            LOG.warn("{}: cannot encode the dead letter for {} ({}); failing so it is tried again", service, where,
                    e.toString());
            return Response.fail();
        }
        LOG.warn("{}: dead-lettering undecodable {}: {}", service, where, envelope.errorMessage());
        byte[] key = envelope.recordKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return Response.resume(List.of(new ProducerRecord<>(topic, key, value)));
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + " (caused by " + root.getClass().getName() + ": " + root.getMessage() + ")";
        }
        return message;
    }
}

package dev.cdiff.platform.kafka;

import dev.cdiff.schemas.events.DeadLetter;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * A record a service gave up on, with its original bytes so it can be inspected or replayed.
 * Mirrors the {@code DeadLetter} Avro event; {@link #toAvro()} converts.
 */
public record DeadLetterEnvelope(String envelopeId, String service, String originalTopic, int originalPartition,
                                 long originalOffset, byte[] originalKey, byte[] originalValue,
                                 String originalEventId, String tenantId, String jobId,
                                 String errorClass, String errorMessage, int attempts, Instant failedAt) {

    public DeadLetter toAvro() {
        return DeadLetter.newBuilder()
                .setEventId(envelopeId)
                .setService(service)
                .setOriginalTopic(originalTopic)
                .setOriginalPartition(originalPartition)
                .setOriginalOffset(originalOffset)
                .setOriginalKey(originalKey == null ? null : ByteBuffer.wrap(originalKey))
                .setOriginalValue(originalValue == null ? null : ByteBuffer.wrap(originalValue))
                .setOriginalEventId(originalEventId)
                .setTenantId(tenantId)
                .setJobId(jobId)
                .setErrorClass(errorClass)
                .setErrorMessage(errorMessage)
                .setAttempts(attempts)
                .setFailedAt(failedAt)
                .build();
    }

    /** Key for the dead-letter topic: the original event id when known, else topic-partition-offset. */
    public String recordKey() {
        return originalEventId != null ? originalEventId : originalTopic + "-" + originalPartition + "-" + originalOffset;
    }
}

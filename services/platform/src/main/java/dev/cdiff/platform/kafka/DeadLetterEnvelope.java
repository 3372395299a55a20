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

    /**
     * Key for the dead-letter topic: the original record's key (events are keyed by job id), so a job's dead letters
     * land on the partition its other events use and the orchestrator can end the job in the task that owns it;
     * the original event id, or topic-partition-offset, when the original had no key.
     */
    public String recordKey() {
        if (originalKey != null && originalKey.length > 0) {
            return new String(originalKey, java.nio.charset.StandardCharsets.UTF_8);
        }
        return originalEventId != null ? originalEventId : originalTopic + "-" + originalPartition + "-" + originalOffset;
    }
}

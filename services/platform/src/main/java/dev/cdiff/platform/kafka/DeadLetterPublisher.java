package dev.cdiff.platform.kafka;

/** Stores a dead-letter envelope durably; returns only once it is stored (the loop commits afterwards). */
@FunctionalInterface
public interface DeadLetterPublisher {
    void publish(DeadLetterEnvelope envelope) throws Exception;
}

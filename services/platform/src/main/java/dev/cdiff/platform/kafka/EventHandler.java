package dev.cdiff.platform.kafka;

/**
 * What a service does with one decoded event. It must have produced (and flushed) every output before it
 * returns: the loop then marks the event done and commits its offset. Throw {@link NonRetryableException} for
 * input that can never succeed; any other exception is retried with backoff.
 */
@FunctionalInterface
public interface EventHandler<V> {
    void handle(InboundEvent<V> event) throws Exception;
}

package dev.cdiff.platform.kafka;

import org.apache.kafka.common.header.Headers;

/**
 * One decoded record with where it came from.
 *
 * @param key the record key as UTF-8 text (events are keyed by job id), or null
 * @param attempt 1 on the first try, 2 on the first retry, …
 */
public record InboundEvent<V>(String topic, int partition, long offset, long timestamp, String key, V value,
                              String eventId, Headers headers, int attempt) {
}

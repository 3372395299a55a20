package dev.cdiff.platform.store;

import java.time.Instant;

/** What the store reports about one object without reading it. */
public record ObjectSummary(String key, long sizeBytes, Instant lastModified) {
}

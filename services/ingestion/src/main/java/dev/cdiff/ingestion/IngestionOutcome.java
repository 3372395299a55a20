package dev.cdiff.ingestion;

import java.util.List;

/** What became of one submission. */
public sealed interface IngestionOutcome {
    String jobId();

    /** Stored and announced with ConceptSubmitted. */
    record Accepted(String jobId, String conceptId, int imageCount) implements IngestionOutcome {
    }

    /** Refused, announced with ConceptRejected; nothing stored. */
    record Rejected(String jobId, String reasonCode, String reason, List<String> offendingItems)
            implements IngestionOutcome {
    }
}

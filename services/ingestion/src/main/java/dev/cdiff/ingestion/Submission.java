package dev.cdiff.ingestion;

import dev.cdiff.ingestion.validate.SubmittedImage;
import dev.cdiff.schemas.events.TrainingOptions;

import java.util.List;
import java.util.Objects;

/**
 * A concept as it arrived, over HTTP or as an IngestionRequested event, before any check.
 *
 * @param captions        one per image, or empty
 * @param initializerWord null for the configured default
 * @param training        null for the orchestrator's defaults
 * @param source          "event" (kept in ConceptSubmitted for older consumers: "http" was the removed upload endpoint)
 * @param causationId     event id this submission answers, null for HTTP uploads
 */
public record Submission(String tenantId, String jobId, String conceptName, String classWord, String initializerWord,
                         List<SubmittedImage> images, List<String> captions, TrainingOptions training, String source,
                         String causationId) {
    public Submission {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(jobId, "jobId");
        images = List.copyOf(images);
        captions = captions == null ? List.of() : List.copyOf(captions);
        Objects.requireNonNull(source, "source");
    }
}

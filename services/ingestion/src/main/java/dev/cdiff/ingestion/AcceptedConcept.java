package dev.cdiff.ingestion;

import java.util.List;

/** A submission that passed every check, with its images normalised but not yet stored. */
public record AcceptedConcept(Submission submission, String conceptId, String conceptName, String classWord,
                              String initializerWord, List<NormalizedImage> images, List<String> captions) {
}

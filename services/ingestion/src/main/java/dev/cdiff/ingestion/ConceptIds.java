package dev.cdiff.ingestion;

import dev.cdiff.ingestion.validate.SubmissionValidator;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

/**
 * A concept's id is the sha256 over its sorted normalised-image digests and its class word, so the same images
 * submitted again in any order under the same class get the same id (and the same stored artifacts).
 */
public final class ConceptIds {
    private ConceptIds() {
    }

    public static String conceptId(Collection<String> imageDigests, String classWord) {
        List<String> sorted = imageDigests.stream().sorted().toList();
        String canonical = String.join("\n", sorted) + "\nclass:" + classWord;
        return SubmissionValidator.sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
    }
}

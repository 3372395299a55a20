package dev.cdiff.merging;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The regularization captions one merge is constrained by, and where they came from.
 *
 * @param captions         the captions, in the order they enter the Gram matrix
 * @param source           {@link #RETRIEVAL_CORPUS} or {@link #TEMPLATE_FALLBACK}
 * @param classSetCaptions how many distinct captions the merged concepts' class sets gave
 * @param missingClassSets class-set digests the request named that no stored manifest answers
 * @param why              for a fallback, the reason the corpus was not used; else empty
 */
record MergeCaptionSet(List<String> captions, String source, int classSetCaptions, List<String> missingClassSets,
                       String why) {
    static final String RETRIEVAL_CORPUS = "retrieval-corpus";
    static final String TEMPLATE_FALLBACK = "template-fallback";

    MergeCaptionSet {
        captions = List.copyOf(captions);
        missingClassSets = List.copyOf(missingClassSets);
    }

    /** One caption per line, as {@code RegularizationCaptions.read} and {@code cdiff merge --captions} read it. */
    byte[] toText() {
        return (String.join("\n", captions) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}

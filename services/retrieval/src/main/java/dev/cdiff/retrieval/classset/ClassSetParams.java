package dev.cdiff.retrieval.classset;

import dev.cdiff.retrieval.Digests;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Everything that determines a class set. Two requests with equal params get the same cached set, whichever tenant
 * asks; any difference (another base model, prompt, threshold, generation setting) makes another set.
 */
public record ClassSetParams(String baseModelDigest, String classPrompt, int maxImages, double minSimilarity,
                             int minImages, int generationSteps, double generationGuidance, int generationSide,
                             long generationSeed) {
    public ClassSetParams {
        if (maxImages <= 0) {
            throw new IllegalArgumentException("maxImages must be positive, got " + maxImages);
        }
        if (minSimilarity < -1 || minSimilarity > 1) {
            throw new IllegalArgumentException("minSimilarity is a cosine in [-1, 1], got " + minSimilarity);
        }
        classPrompt = classPrompt.strip().replaceAll("\\s+", " ");
    }

    /** Images the set must reach before generation is used: the configured minimum, never above the maximum. */
    public int requiredImages() {
        return Math.min(minImages, maxImages);
    }

    /** Cache key: sha256 of a canonical text of all params. */
    public String cacheKey() {
        String canonical = String.format(Locale.ROOT,
                "v1|model=%s|prompt=%s|max=%d|minsim=%.6f|min=%d|steps=%d|cfg=%.4f|side=%d|seed=%d",
                baseModelDigest, classPrompt.toLowerCase(Locale.ROOT), maxImages, minSimilarity, minImages,
                generationSteps, generationGuidance, generationSide, generationSeed);
        return Digests.sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
    }
}

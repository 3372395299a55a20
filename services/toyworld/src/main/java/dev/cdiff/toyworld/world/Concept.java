package dev.cdiff.toyworld.world;

import java.util.Objects;

/**
 * A personal concept: an object of a known class (shape) with a fill pattern the base world never shows.
 * token is the placeholder word (e.g. "<new1>"), initializerWord a rare single-token word used to initialise
 * the token's embedding.
 */
public record Concept(String token, String initializerWord, Shape classShape, Fill fill) {
    public Concept {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(initializerWord, "initializerWord");
        Objects.requireNonNull(classShape, "classShape");
        Objects.requireNonNull(fill, "fill");
        if (fill.pattern() == FillPattern.SOLID) {
            throw new IllegalArgumentException("concept " + token + " needs a non-SOLID fill to be distinctive");
        }
    }

    /** The class prompt used for prior preservation and forgetting checks, e.g. "circle". */
    public String classWord() { return classShape.word(); }
}

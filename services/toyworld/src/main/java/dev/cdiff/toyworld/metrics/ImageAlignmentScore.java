package dev.cdiff.toyworld.metrics;

/**
 * similarity in [0,1] of the object's appearance to the concept reference; patternMatch when the exact pattern
 * detector finds the concept's fill; shapeMatch when the object has the concept's class shape.
 */
public record ImageAlignmentScore(double similarity, boolean patternMatch, boolean shapeMatch)
        implements Comparable<ImageAlignmentScore> {

    /** The concept is exactly reproduced: its pattern on its class shape. */
    public boolean exactMatch() { return patternMatch && shapeMatch; }

    @Override
    public int compareTo(ImageAlignmentScore o) {
        int byExact = Boolean.compare(exactMatch(), o.exactMatch());
        return byExact != 0 ? byExact : Double.compare(similarity, o.similarity);
    }
}

package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Fill;
import dev.cdiff.toyworld.world.FillPattern;
import dev.cdiff.toyworld.world.PaletteColor;
import dev.cdiff.toyworld.world.Position;
import dev.cdiff.toyworld.world.Shape;
import dev.cdiff.toyworld.world.Size;

/**
 * An object found in an image. color is the fill's primary colour (the only colour of a SOLID fill);
 * shapeIou is how well the best shape template fits (1 = exactly).
 */
public record DetectedObject(Shape shape, PaletteColor color, Size size, Position position, Fill fill,
                             PatternDescriptor descriptor, int minX, int minY, int maxX, int maxY, int area,
                             double shapeIou) {

    /**
     * Whether the fill is the given one. Checkerboard and stripe phases depend on where the object sits,
     * so their colour order is not observable and only the colour pair is compared; a ring's order is.
     */
    public boolean hasFill(Fill expected) {
        if (fill.pattern() != expected.pattern()) return false;
        if (expected.pattern() == FillPattern.SOLID || expected.pattern() == FillPattern.RING) {
            return fill.equals(expected);
        }
        return (fill.primary() == expected.primary() && fill.secondary() == expected.secondary())
            || (fill.primary() == expected.secondary() && fill.secondary() == expected.primary());
    }

    /** Exact concept match: the concept's class shape with its distinctive fill. */
    public boolean matches(Concept concept) {
        return shape == concept.classShape() && hasFill(concept.fill());
    }
}

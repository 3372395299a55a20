package dev.cdiff.toyworld.world;

import java.util.Objects;

/**
 * One object of a scene with its ground truth. centerX/centerY are in pixels (the shape's bounding-box centre),
 * halfExtent is r of {@link Shape#contains}; concept is the concept token when the object is a personal concept.
 */
public record SceneObject(Shape shape, Fill fill, Size size, Position position,
                          double centerX, double centerY, double halfExtent, String concept) {
    public SceneObject {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(fill, "fill");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(position, "position");
        if (!(halfExtent > 0)) throw new IllegalArgumentException("halfExtent must be positive: " + halfExtent);
    }

    public PaletteColor color() { return fill.primary(); }

    public boolean isConcept() { return concept != null; }

    /** Pixel bounding box [minX, minY, maxX, maxY] inclusive of pixels whose centre may fall inside the shape. */
    public int[] pixelBounds() {
        return new int[] {
            (int) Math.floor(centerX - halfExtent - 0.5), (int) Math.floor(centerY - halfExtent - 0.5),
            (int) Math.ceil(centerX + halfExtent - 0.5), (int) Math.ceil(centerY + halfExtent - 0.5)};
    }
}

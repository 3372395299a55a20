package dev.cdiff.toyworld.metrics;

import dev.cdiff.toyworld.world.BackgroundPattern;
import dev.cdiff.toyworld.world.PaletteColor;
import dev.cdiff.toyworld.world.Position;
import dev.cdiff.toyworld.world.Shape;
import dev.cdiff.toyworld.world.Size;
import java.util.List;

/**
 * The checkable attributes a prompt asks for. Null fields were not mentioned. concept is a concept token such as
 * "&lt;new1&gt;" standing in for the object's colour.
 */
public record PromptSpec(List<ObjectSpec> objects, PaletteColor backgroundColor, BackgroundPattern backgroundPattern) {
    public PromptSpec {
        objects = List.copyOf(objects);
    }

    public record ObjectSpec(Shape shape, PaletteColor color, Size size, Position position, String concept) {
        /** Shape plus every mentioned modifier. */
        int attributeCount() {
            return 1 + (color != null ? 1 : 0) + (size != null ? 1 : 0) + (position != null ? 1 : 0)
                + (concept != null ? 1 : 0);
        }
    }

    /** Attributes to check: every object attribute, the object count, and any mentioned background attribute. */
    public int attributeCount() {
        int n = 1;
        for (ObjectSpec o : objects) n += o.attributeCount();
        if (backgroundColor != null) n++;
        if (backgroundPattern != null) n++;
        return n;
    }
}

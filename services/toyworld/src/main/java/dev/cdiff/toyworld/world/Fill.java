package dev.cdiff.toyworld.world;

import java.util.Objects;

/** An object's colouring: a pattern with a primary and (except SOLID) a distinct secondary colour. */
public record Fill(FillPattern pattern, PaletteColor primary, PaletteColor secondary) {
    public Fill {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(primary, "primary");
        if (pattern == FillPattern.SOLID) {
            if (secondary != null) throw new IllegalArgumentException("a SOLID fill has no secondary colour");
        } else if (secondary == null || secondary == primary) {
            throw new IllegalArgumentException(pattern + " fill needs a secondary colour different from " + primary);
        }
    }

    public static Fill solid(PaletteColor color) {
        return new Fill(FillPattern.SOLID, color, null);
    }

    public boolean uses(PaletteColor color) {
        return primary == color || secondary == color;
    }

    /** Pattern cell / band width for an image side: 2 px at 32, 4 px at 64. */
    public static int cellWidth(int imageSize) {
        return Math.max(1, imageSize / 16);
    }
}

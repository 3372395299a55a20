package dev.cdiff.toyworld.world;

import java.util.Objects;

/** A background colour and pattern. Striped backgrounds pair the colour with WHITE, so WHITE is never striped. */
public record Background(PaletteColor color, BackgroundPattern pattern) {
    public Background {
        Objects.requireNonNull(color, "color");
        Objects.requireNonNull(pattern, "pattern");
        if (pattern == BackgroundPattern.STRIPED && color == PaletteColor.WHITE) {
            throw new IllegalArgumentException("a striped background needs a colour other than white");
        }
    }

    public static Background plain(PaletteColor color) {
        return new Background(color, BackgroundPattern.PLAIN);
    }

    /** Whether an object of this colour would be indistinguishable from part of the background. */
    public boolean clashesWith(PaletteColor objectColor) {
        return objectColor == color || (pattern == BackgroundPattern.STRIPED && objectColor == PaletteColor.WHITE);
    }

    /** Band height of the stripes for an image side: 2 px at 32, 4 px at 64. */
    public static int stripeWidth(int imageSize) {
        return Math.max(1, imageSize / 16);
    }
}

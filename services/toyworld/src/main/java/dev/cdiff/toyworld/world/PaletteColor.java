package dev.cdiff.toyworld.world;

import java.util.Arrays;
import java.util.List;

/**
 * The world's colours. They are far apart in RGB (minimum pairwise distance about 100) so that a detector can
 * recover them from noisy or blurred images by nearest-colour lookup. WHITE, GRAY and BLACK are background-only:
 * objects are never drawn in them, which keeps objects separable from every background.
 */
public enum PaletteColor {
    RED("red", 220, 40, 40, true),
    GREEN("green", 40, 170, 60, true),
    BLUE("blue", 40, 70, 220, true),
    YELLOW("yellow", 235, 215, 40, true),
    PURPLE("purple", 140, 50, 180, true),
    CYAN("cyan", 40, 200, 210, true),
    WHITE("white", 245, 245, 245, false),
    GRAY("gray", 128, 128, 128, false),
    BLACK("black", 20, 20, 20, false);

    private final String word;
    private final int r;
    private final int g;
    private final int b;
    private final boolean objectColor;

    PaletteColor(String word, int r, int g, int b, boolean objectColor) {
        this.word = word;
        this.r = r;
        this.g = g;
        this.b = b;
        this.objectColor = objectColor;
    }

    public String word() { return word; }
    public int red() { return r; }
    public int green() { return g; }
    public int blue() { return b; }
    public boolean isObjectColor() { return objectColor; }

    /** Packed 0xRRGGBB. */
    public int rgb() { return (r << 16) | (g << 8) | b; }

    public static List<PaletteColor> objectColors() {
        return Arrays.stream(values()).filter(PaletteColor::isObjectColor).toList();
    }

    public static PaletteColor fromWord(String word) {
        for (PaletteColor c : values()) {
            if (c.word.equals(word)) return c;
        }
        throw new IllegalArgumentException("unknown colour word '" + word + "'");
    }

    /** Squared RGB distance from a packed colour to this palette colour. */
    public int distanceSquared(int rgb) {
        int dr = ((rgb >> 16) & 0xff) - r;
        int dg = ((rgb >> 8) & 0xff) - g;
        int db = (rgb & 0xff) - b;
        return dr * dr + dg * dg + db * db;
    }

    public static PaletteColor nearest(int rgb) {
        PaletteColor best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (PaletteColor c : values()) {
            int d = c.distanceSquared(rgb);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }
}

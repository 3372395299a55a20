package dev.cdiff.toyworld.world;

/** Coarse object positions; each has an anchor (fraction of the image side) where the object's centre sits. */
public enum Position {
    LEFT("left", "on the left", 0.25, 0.5),
    RIGHT("right", "on the right", 0.75, 0.5),
    TOP("top", "at the top", 0.5, 0.25),
    BOTTOM("bottom", "at the bottom", 0.5, 0.75),
    CENTER("center", "in the center", 0.5, 0.5);

    private final String word;
    private final String phrase;
    private final double anchorX;
    private final double anchorY;

    Position(String word, String phrase, double anchorX, double anchorY) {
        this.word = word;
        this.phrase = phrase;
        this.anchorX = anchorX;
        this.anchorY = anchorY;
    }

    public String word() { return word; }
    public String phrase() { return phrase; }
    public double anchorX() { return anchorX; }
    public double anchorY() { return anchorY; }

    /** The position whose anchor is nearest to a centre given in image-side fractions. */
    public static Position nearest(double fx, double fy) {
        Position best = CENTER;
        double bestDistance = Double.MAX_VALUE;
        for (Position p : values()) {
            double dx = fx - p.anchorX;
            double dy = fy - p.anchorY;
            double d = dx * dx + dy * dy;
            if (d < bestDistance) {
                bestDistance = d;
                best = p;
            }
        }
        return best;
    }

    public static Position fromWord(String word) {
        for (Position p : values()) {
            if (p.word.equals(word)) return p;
        }
        throw new IllegalArgumentException("unknown position word '" + word + "'");
    }
}

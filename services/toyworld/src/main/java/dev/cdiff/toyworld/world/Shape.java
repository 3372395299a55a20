package dev.cdiff.toyworld.world;

/**
 * Shapes of the world. Each is defined by a point-inside test relative to its centre and half-extent r
 * (the shape's bounding box is [-r, r] on both axes), so renderer and detector share one definition.
 */
public enum Shape {
    CIRCLE("circle"),
    SQUARE("square"),
    TRIANGLE("triangle"),
    DIAMOND("diamond"),
    CROSS("cross");

    private final String word;

    Shape(String word) { this.word = word; }

    public String word() { return word; }

    /** Whether the offset (dx, dy) from the centre lies in the shape of half-extent r. Triangles point up. */
    public boolean contains(double dx, double dy, double r) {
        double ax = Math.abs(dx);
        double ay = Math.abs(dy);
        return switch (this) {
            case CIRCLE -> dx * dx + dy * dy <= r * r;
            case SQUARE -> ax <= r && ay <= r;
            case TRIANGLE -> dy >= -r && dy <= r && ax <= (dy + r) / 2.0;
            case DIAMOND -> ax + ay <= r;
            case CROSS -> (ax <= r / 3.0 && ay <= r) || (ay <= r / 3.0 && ax <= r);
        };
    }

    public static Shape fromWord(String word) {
        for (Shape s : values()) {
            if (s.word.equals(word)) return s;
        }
        throw new IllegalArgumentException("unknown shape word '" + word + "'");
    }
}

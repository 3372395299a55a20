package dev.cdiff.toyworld.world;

/** Object sizes, as a fraction of the image side for the shape's full extent. */
public enum Size {
    SMALL("small", "little", 0.25),
    LARGE("large", "big", 0.42);

    private final String word;
    private final String synonym;
    private final double extentFraction;

    Size(String word, String synonym, double extentFraction) {
        this.word = word;
        this.synonym = synonym;
        this.extentFraction = extentFraction;
    }

    public String word() { return word; }
    public String synonym() { return synonym; }
    public double extentFraction() { return extentFraction; }

    /** The threshold between SMALL and LARGE lies halfway between their nominal extents. */
    public static Size ofExtent(double extentPixels, int imageSize) {
        double boundary = (SMALL.extentFraction + LARGE.extentFraction) / 2.0 * imageSize;
        return extentPixels < boundary ? SMALL : LARGE;
    }

    public static Size fromWord(String word) {
        for (Size s : values()) {
            if (s.word.equals(word) || s.synonym.equals(word)) return s;
        }
        throw new IllegalArgumentException("unknown size word '" + word + "'");
    }
}

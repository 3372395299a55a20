package dev.cdiff.toyworld.world;

/** PLAIN fills the image with one colour; STRIPED alternates horizontal bands of the colour and white. */
public enum BackgroundPattern {
    PLAIN("plain"),
    STRIPED("striped");

    private final String word;

    BackgroundPattern(String word) { this.word = word; }

    public String word() { return word; }
}

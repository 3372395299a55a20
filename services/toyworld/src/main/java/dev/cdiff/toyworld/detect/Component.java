package dev.cdiff.toyworld.detect;

/**
 * A connected foreground region: its pixel indices, bounding box and, per pixel, the Chebyshev depth
 * (1 = touches the outside, 2 = one pixel further in, ...).
 */
record Component(int imageSize, int[] pixels, int minX, int minY, int maxX, int maxY, int[] depth) {
    int width() { return maxX - minX + 1; }
    int height() { return maxY - minY + 1; }
    int area() { return pixels.length; }
}

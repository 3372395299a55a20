package dev.cdiff.ingestion.validate;

/**
 * What one submission may contain.
 *
 * @param minImages     fewest images a concept needs (4)
 * @param maxImages     most images a concept may have (20)
 * @param maxBytes      largest encoded file accepted
 * @param maxPixels     largest width*height accepted, checked from the header before any pixel is decoded
 * @param outputSide    side in pixels of the square PNG every accepted image is normalised to
 */
public record ImageLimits(int minImages, int maxImages, long maxBytes, long maxPixels, int outputSide) {
    public ImageLimits {
        if (minImages < 1 || maxImages < minImages) {
            throw new IllegalArgumentException("image count limits must satisfy 1 <= min <= max, got min=" + minImages
                    + " max=" + maxImages);
        }
        if (maxBytes <= 0 || maxPixels <= 0 || outputSide <= 0) {
            throw new IllegalArgumentException("maxBytes, maxPixels and outputSide must be positive, got " + maxBytes
                    + ", " + maxPixels + ", " + outputSide);
        }
    }

    /** 4-20 images of at most 20 MiB and 40 megapixels each, normalised to 512 px. */
    public static ImageLimits defaults() {
        return new ImageLimits(4, 20, 20L * 1024 * 1024, 40_000_000L, 512);
    }
}

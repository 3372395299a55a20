package dev.cdiff.ingestion.validate;

/**
 * What one submission may contain.
 *
 * @param minImages     fewest images a concept needs (4)
 * @param maxImages     most images a concept may have (20)
 * @param maxBytes      largest encoded file accepted
 * @param maxPixels     largest width*height accepted, checked from the header before any pixel is decoded
 * @param outputSide    side in pixels of the square PNG every accepted image is normalised to
 * @param minSide       smallest width and height accepted (64). A smaller picture holds too little of the concept
 *                      to learn from and only becomes a blur when scaled up to the training side; 64 px is also
 *                      the smallest side whose Stable Diffusion latent (side / 8) still has 8x8 cells
 */
public record ImageLimits(int minImages, int maxImages, long maxBytes, long maxPixels, int outputSide, int minSide) {
    public ImageLimits {
        if (minImages < 1 || maxImages < minImages) {
            throw new IllegalArgumentException("image count limits must satisfy 1 <= min <= max, got min=" + minImages
                    + " max=" + maxImages);
        }
        if (minSide < 1) {
            throw new IllegalArgumentException("the minimum image side must be positive, got " + minSide);
        }
        if (maxBytes <= 0 || maxPixels <= 0 || outputSide <= 0) {
            throw new IllegalArgumentException("maxBytes, maxPixels and outputSide must be positive, got " + maxBytes
                    + ", " + maxPixels + ", " + outputSide);
        }
    }

    /** 4-20 images of at most 20 MiB and 40 megapixels each, at least 64 px a side, normalised to 512 px. */
    public static ImageLimits defaults() {
        return new ImageLimits(4, 20, 20L * 1024 * 1024, 40_000_000L, 512, 64);
    }
}

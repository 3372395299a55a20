package dev.cdiff.toyworld.image;

import java.util.SplittableRandom;

/** Degradations that imitate imperfect model samples, for testing detector robustness. */
public final class ImageCorruption {
    private ImageCorruption() {}

    /** Separable Gaussian blur with edge clamping; kernel radius ceil(3 sigma). */
    public static ToyImage gaussianBlur(ToyImage image, double sigma) {
        if (!(sigma > 0)) throw new IllegalArgumentException("blur sigma must be positive: " + sigma);
        int radius = (int) Math.ceil(3 * sigma);
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            kernel[i + radius] = StrictMath.exp(-(i * i) / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }
        for (int i = 0; i < kernel.length; i++) kernel[i] /= sum;
        int w = image.width();
        int h = image.height();
        double[][] planes = toPlanes(image);
        double[][] tmp = new double[3][w * h];
        double[][] out = new double[3][w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double acc = 0;
                    for (int i = -radius; i <= radius; i++) {
                        int xx = Math.min(w - 1, Math.max(0, x + i));
                        acc += kernel[i + radius] * planes[c][y * w + xx];
                    }
                    tmp[c][y * w + x] = acc;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double acc = 0;
                    for (int i = -radius; i <= radius; i++) {
                        int yy = Math.min(h - 1, Math.max(0, y + i));
                        acc += kernel[i + radius] * tmp[c][yy * w + x];
                    }
                    out[c][y * w + x] = acc;
                }
            }
        }
        return fromPlanes(out, w, h);
    }

    /** Adds independent N(0, sigma^2) noise (sigma in 0..255 units) to every channel, then clamps. */
    public static ToyImage gaussianNoise(ToyImage image, double sigma, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] planes = toPlanes(image);
        for (double[] plane : planes) {
            for (int i = 0; i < plane.length; i++) plane[i] += sigma * gaussian(random);
        }
        return fromPlanes(planes, image.width(), image.height());
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller with StrictMath keeps results identical across JVMs.
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }

    private static double[][] toPlanes(ToyImage image) {
        int n = image.width() * image.height();
        int[] px = image.pixels();
        double[][] planes = new double[3][n];
        for (int i = 0; i < n; i++) {
            planes[0][i] = (px[i] >> 16) & 0xff;
            planes[1][i] = (px[i] >> 8) & 0xff;
            planes[2][i] = px[i] & 0xff;
        }
        return planes;
    }

    private static ToyImage fromPlanes(double[][] planes, int w, int h) {
        int[] px = new int[w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = (clamp(planes[0][i]) << 16) | (clamp(planes[1][i]) << 8) | clamp(planes[2][i]);
        }
        return ToyImage.ofPixels(w, h, px);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}

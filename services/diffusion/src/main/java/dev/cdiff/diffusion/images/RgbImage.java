package dev.cdiff.diffusion.images;

import java.awt.image.BufferedImage;

/** An RGB image as channel-first floats in [0, 1]. */
public record RgbImage(int height, int width, float[] chw) {
    public RgbImage {
        if (height <= 0 || width <= 0 || chw.length != 3 * height * width) {
            throw new IllegalArgumentException("RGB image data of " + chw.length + " values does not match 3x"
                    + height + "x" + width);
        }
    }

    public static RgbImage of(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        float[] out = new float[3 * h * w];
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int i = y * w + x;
                out[i] = ((rgb >> 16) & 0xff) / 255f;
                out[plane + i] = ((rgb >> 8) & 0xff) / 255f;
                out[2 * plane + i] = (rgb & 0xff) / 255f;
            }
        }
        return new RgbImage(h, w, out);
    }

    public RgbImage flipHorizontal() {
        float[] out = new float[chw.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                int row = (c * height + y) * width;
                for (int x = 0; x < width; x++) {
                    out[row + x] = chw[row + width - 1 - x];
                }
            }
        }
        return new RgbImage(height, width, out);
    }

    /** Resize with a triangle (bilinear) filter widened by the scale factor when shrinking, like PIL's BILINEAR. */
    public RgbImage resize(int newHeight, int newWidth) {
        if (newHeight == height && newWidth == width) {
            return this;
        }
        float[] horizontal = resample(chw, 3 * height, width, newWidth);
        float[] both = resampleRows(horizontal, 3, height, newWidth, newHeight);
        return new RgbImage(newHeight, newWidth, both);
    }

    /** Crop of size h x w at (top, left); the region must lie inside the image. */
    public RgbImage crop(int top, int left, int h, int w) {
        if (top < 0 || left < 0 || top + h > height || left + w > width) {
            throw new IllegalArgumentException("crop " + h + "x" + w + " at " + top + "," + left + " outside " + height + "x" + width);
        }
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(chw, (c * height + top + y) * width + left, out, (c * h + y) * w, w);
            }
        }
        return new RgbImage(h, w, out);
    }

    private static float[] resample(float[] src, int rows, int inLen, int outLen) {
        float[] out = new float[rows * outLen];
        Filter f = Filter.of(inLen, outLen);
        for (int r = 0; r < rows; r++) {
            int base = r * inLen;
            for (int o = 0; o < outLen; o++) {
                double s = 0;
                int start = f.start[o];
                for (int k = 0; k < f.count[o]; k++) {
                    s += f.weights[o][k] * src[base + start + k];
                }
                out[r * outLen + o] = (float) s;
            }
        }
        return out;
    }

    private static float[] resampleRows(float[] src, int channels, int inH, int w, int outH) {
        float[] out = new float[channels * outH * w];
        Filter f = Filter.of(inH, outH);
        for (int c = 0; c < channels; c++) {
            for (int o = 0; o < outH; o++) {
                int outRow = (c * outH + o) * w;
                for (int k = 0; k < f.count[o]; k++) {
                    double wt = f.weights[o][k];
                    int inRow = (c * inH + f.start[o] + k) * w;
                    for (int x = 0; x < w; x++) {
                        out[outRow + x] += (float) (wt * src[inRow + x]);
                    }
                }
            }
        }
        return out;
    }

    private static final class Filter {
        final int[] start;
        final int[] count;
        final double[][] weights;

        private Filter(int[] start, int[] count, double[][] weights) {
            this.start = start;
            this.count = count;
            this.weights = weights;
        }

        static Filter of(int inLen, int outLen) {
            double scale = (double) inLen / outLen;
            double support = Math.max(scale, 1.0);
            int[] start = new int[outLen];
            int[] count = new int[outLen];
            double[][] weights = new double[outLen][];
            for (int o = 0; o < outLen; o++) {
                double center = (o + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support));
                int hi = Math.min(inLen, (int) Math.ceil(center + support));
                double[] w = new double[hi - lo];
                double sum = 0;
                for (int i = lo; i < hi; i++) {
                    double t = Math.abs((i + 0.5 - center) / support);
                    double v = t < 1 ? 1 - t : 0;
                    w[i - lo] = v;
                    sum += v;
                }
                if (sum == 0) {
                    int nearest = Math.min(inLen - 1, Math.max(0, (int) center));
                    lo = nearest;
                    w = new double[] {1};
                    sum = 1;
                }
                for (int i = 0; i < w.length; i++) {
                    w[i] /= sum;
                }
                start[o] = lo;
                count[o] = w.length;
                weights[o] = w;
            }
            return new Filter(start, count, weights);
        }
    }
}

package dev.cdiff.toyworld.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/** A small RGB image as packed 0xRRGGBB ints, row-major. */
public final class ToyImage {
    private final int width;
    private final int height;
    private final int[] rgb;

    public ToyImage(int width, int height) {
        this(width, height, new int[width * height]);
    }

    private ToyImage(int width, int height, int[] rgb) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        if (rgb.length != width * height) throw new IllegalArgumentException("pixel count " + rgb.length + " != " + width + "x" + height);
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    public static ToyImage ofPixels(int width, int height, int[] rgb) {
        return new ToyImage(width, height, rgb.clone());
    }

    public int width() { return width; }
    public int height() { return height; }

    public int get(int x, int y) { return rgb[y * width + x]; }

    public void set(int x, int y, int packedRgb) { rgb[y * width + x] = packedRgb & 0xffffff; }

    public int[] pixels() { return rgb.clone(); }

    public ToyImage copy() { return new ToyImage(width, height, rgb.clone()); }

    /** Channel-first floats in [0,1], layout [3][height][width], as a diffusion model consumes them. */
    public float[] toChw() {
        float[] out = new float[3 * width * height];
        int plane = width * height;
        for (int i = 0; i < plane; i++) {
            int p = rgb[i];
            out[i] = ((p >> 16) & 0xff) / 255f;
            out[plane + i] = ((p >> 8) & 0xff) / 255f;
            out[2 * plane + i] = (p & 0xff) / 255f;
        }
        return out;
    }

    /** Inverse of {@link #toChw()}; values are clamped to [0,1] and rounded, so model outputs can be fed in. */
    public static ToyImage fromChw(float[] chw, int width, int height) {
        int plane = width * height;
        if (chw.length != 3 * plane) {
            throw new IllegalArgumentException("expected " + 3 * plane + " floats for 3x" + height + "x" + width + ", got " + chw.length);
        }
        int[] px = new int[plane];
        for (int i = 0; i < plane; i++) {
            px[i] = (toByte(chw[i]) << 16) | (toByte(chw[plane + i]) << 8) | toByte(chw[2 * plane + i]);
        }
        return new ToyImage(width, height, px);
    }

    private static int toByte(float v) {
        float c = Float.isNaN(v) ? 0f : Math.max(0f, Math.min(1f, v));
        return Math.round(c * 255f);
    }

    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, width, height, rgb, 0, width);
        return img;
    }

    public static ToyImage fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < px.length; i++) px[i] &= 0xffffff;
        return new ToyImage(w, h, px);
    }

    public byte[] toPng() { return PngCodec.encode(this); }

    public void writePng(Path file) throws IOException {
        Files.write(file, toPng());
    }

    public static ToyImage readPng(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) throw new IOException("not a readable image: " + file);
        return fromBufferedImage(img);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ToyImage other && other.width == width && other.height == height && Arrays.equals(other.rgb, rgb);
    }

    @Override
    public int hashCode() { return 31 * (31 * width + height) + Arrays.hashCode(rgb); }
}

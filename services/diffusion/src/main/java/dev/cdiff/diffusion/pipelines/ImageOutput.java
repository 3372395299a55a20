package dev.cdiff.diffusion.pipelines;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Conversions between [0, 1] channel-first float images and 8-bit RGB images. */
public final class ImageOutput {
    private ImageOutput() {
    }

    /** One RGB image per item of a [B, 3, H, W] array in [0, 1]; rounds like diffusers' numpy_to_pil. */
    public static List<BufferedImage> toImages(float[] pixels, int batch, int height, int width) {
        int plane = height * width;
        if (pixels.length != batch * 3 * plane) {
            throw new IllegalArgumentException("expected " + batch * 3 * plane + " values for " + batch
                    + " RGB images of " + width + "x" + height + ", got " + pixels.length);
        }
        List<BufferedImage> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            int base = b * 3 * plane;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = y * width + x;
                    int r = toByte(pixels[base + i]);
                    int g = toByte(pixels[base + plane + i]);
                    int bl = toByte(pixels[base + 2 * plane + i]);
                    img.setRGB(x, y, (r << 16) | (g << 8) | bl);
                }
            }
            out.add(img);
        }
        return out;
    }

    private static int toByte(float v) {
        float c = Math.max(0f, Math.min(1f, v));
        return (int) Math.rint(c * 255f);
    }

    public static void writePng(BufferedImage image, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}

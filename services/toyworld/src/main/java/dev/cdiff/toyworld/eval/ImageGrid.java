package dev.cdiff.toyworld.eval;

import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.metrics.PromptedImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Writes samples as a PNG grid: one row per prompt (prompt-major input), upscaled with hard pixels. */
public final class ImageGrid {
    private static final int GAP = 2;
    private static final int BACKGROUND = 0xffffff;

    private ImageGrid() {}

    public static void write(List<PromptedImage> images, int perRow, int scale, Path file) throws IOException {
        if (images.isEmpty()) throw new IllegalArgumentException("no images for grid " + file);
        ToyImage first = images.get(0).image();
        int w = first.width() * scale;
        int h = first.height() * scale;
        int cols = Math.min(perRow, images.size());
        int rows = (images.size() + perRow - 1) / perRow;
        BufferedImage grid = new BufferedImage(cols * (w + GAP) + GAP, rows * (h + GAP) + GAP, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < grid.getHeight(); y++) {
            for (int x = 0; x < grid.getWidth(); x++) grid.setRGB(x, y, BACKGROUND);
        }
        for (int i = 0; i < images.size(); i++) {
            ToyImage img = images.get(i).image();
            int ox = GAP + (i % perRow) * (w + GAP);
            int oy = GAP + (i / perRow) * (h + GAP);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) grid.setRGB(ox + x, oy + y, img.get(x / scale, y / scale));
            }
        }
        ImageIO.write(grid, "png", file.toFile());
    }
}

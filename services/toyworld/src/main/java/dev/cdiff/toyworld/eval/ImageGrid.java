package dev.cdiff.toyworld.eval;

import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.metrics.PromptedImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Writes samples as a PNG grid: one row per prompt (prompt-major input), upscaled with hard pixels. */
public final class ImageGrid {
    private static final int GAP = 2;
    private static final int BACKGROUND = 0xffffff;

    private ImageGrid() {}

    public static void write(List<PromptedImage> images, int perRow, int scale, Path file) throws IOException {
        if (images.isEmpty()) throw new IllegalArgumentException("no images for grid " + file);
        List<List<ToyImage>> rows = new ArrayList<>();
        for (int i = 0; i < images.size(); i += perRow) {
            rows.add(images.subList(i, Math.min(images.size(), i + perRow)).stream().map(PromptedImage::image).toList());
        }
        writeRows(rows, scale, file);
    }

    /** Rows of different lengths; the grid is as wide as the longest, shorter rows end in background. */
    public static void writeRows(List<List<ToyImage>> rows, int scale, Path file) throws IOException {
        if (rows.isEmpty() || rows.stream().allMatch(List::isEmpty)) {
            throw new IllegalArgumentException("no images for grid " + file);
        }
        ToyImage first = rows.stream().filter(r -> !r.isEmpty()).findFirst().orElseThrow().get(0);
        int w = first.width() * scale;
        int h = first.height() * scale;
        int cols = rows.stream().mapToInt(List::size).max().orElseThrow();
        BufferedImage grid = new BufferedImage(cols * (w + GAP) + GAP, rows.size() * (h + GAP) + GAP,
            BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < grid.getHeight(); y++) {
            for (int x = 0; x < grid.getWidth(); x++) grid.setRGB(x, y, BACKGROUND);
        }
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < rows.get(r).size(); c++) {
                ToyImage img = rows.get(r).get(c);
                int ox = GAP + c * (w + GAP);
                int oy = GAP + r * (h + GAP);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) grid.setRGB(ox + x, oy + y, img.get(x / scale, y / scale));
                }
            }
        }
        ImageIO.write(grid, "png", file.toFile());
    }
}

package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.images.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Reads the images of a folder (png, jpg, jpeg, bmp, gif), sorted by file name. */
public final class ConceptFolder {
    private ConceptFolder() {
    }

    public static List<RgbImage> images(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("image folder does not exist: " + dir);
        }
        List<RgbImage> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (!(n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".gif"))) {
                    continue;
                }
                BufferedImage img = ImageIO.read(p.toFile());
                if (img == null) {
                    throw new IllegalArgumentException("cannot decode image " + p);
                }
                out.add(RgbImage.of(img));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read images from " + dir, e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no images in " + dir);
        }
        return out;
    }
}

package dev.cdiff.diffusion.merge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Captions whose text features the closed-form merge keeps unchanged. The paper samples ~1000 captions of
 * real images (LAION); without such a file, {@link #generated} composes varied everyday captions from a fixed
 * vocabulary (deterministic per seed) so the regularization still spans ordinary language.
 */
public final class RegularizationCaptions {
    public static final int DEFAULT_COUNT = 1000;

    private static final String[] SUBJECTS = {"dog", "cat", "man", "woman", "child", "car", "house", "tree", "flower",
        "bird", "horse", "boat", "chair", "table", "cup", "bicycle", "mountain", "river", "beach", "city street",
        "kitchen", "garden", "bridge", "train", "plate of food", "book", "lamp", "sofa", "painting", "building",
        "forest", "lake", "castle", "teddy bear", "guitar", "clock", "shoe", "hat", "vase", "bottle"};
    private static final String[] ADJECTIVES = {"red", "blue", "green", "yellow", "old", "new", "small", "large",
        "wooden", "shiny", "white", "black", "colorful", "vintage", "modern", "cute", "tall", "round", "bright", "dark"};
    private static final String[] SCENES = {"on a table", "in a park", "at night", "in the snow", "on the beach",
        "in a room", "on a street", "in the rain", "under a tree", "next to a window", "in a field", "by the sea",
        "in the city", "on a shelf", "in the forest", "at sunset", "on the grass", "in a kitchen", "on a wall",
        "near a river"};
    private static final String[] FRAMES = {"a photo of a %s %s %s", "%s %s %s", "a picture of the %s %s %s",
        "close up of a %s %s %s", "an image of a %s %s %s", "a painting of a %s %s %s", "the %s %s %s",
        "a %s %s %s, high quality photo"};

    private RegularizationCaptions() {
    }

    public static List<String> generated(int count, long seed) {
        if (count <= 0) {
            throw new IllegalArgumentException("caption count must be positive, got " + count);
        }
        Random rnd = new Random(seed);
        Set<String> out = new LinkedHashSet<>();
        int attempts = 0;
        while (out.size() < count && attempts++ < count * 50) {
            String frame = FRAMES[rnd.nextInt(FRAMES.length)];
            out.add(String.format(frame, ADJECTIVES[rnd.nextInt(ADJECTIVES.length)], SUBJECTS[rnd.nextInt(SUBJECTS.length)],
                    SCENES[rnd.nextInt(SCENES.length)]));
        }
        return new ArrayList<>(out);
    }

    /** One caption per non-empty line. */
    public static List<String> read(Path file) {
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    out.add(line.strip());
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("caption file " + file + " is empty");
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read captions " + file, e);
        }
    }
}

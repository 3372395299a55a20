package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.images.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generated images for benchmarks and smoke runs: coloured discs on a plain background (target concept) and
 * random colour fields with a disc of another colour (regularization images).
 */
public final class SyntheticConcepts {
    private SyntheticConcepts() {
    }

    public static List<RgbImage> discs(int count, int size, float[] fg, float[] bg, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RgbImage> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double cx = size * (0.35 + 0.3 * rnd.nextDouble());
            double cy = size * (0.35 + 0.3 * rnd.nextDouble());
            double r = size * (0.2 + 0.1 * rnd.nextDouble());
            float[] chw = new float[3 * size * size];
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    boolean in = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r;
                    for (int c = 0; c < 3; c++) {
                        chw[(c * size + y) * size + x] = in ? fg[c] : bg[c];
                    }
                }
            }
            out.add(new RgbImage(size, size, chw));
        }
        return out;
    }

    /** A single-concept setup ({@code <new1>}, "dog") with optional regularization images. */
    public static Concept dogConcept(int size, boolean withRegularization) {
        return new Concept("synthetic-red-disc", "<new1>", "ktn", "dog", "photo of a <new1> dog",
                discs(4, size, new float[] {0.9f, 0.1f, 0.1f}, new float[] {0.1f, 0.2f, 0.8f}, 1),
                "photo of a dog",
                withRegularization ? discs(8, size, new float[] {0.1f, 0.8f, 0.2f}, new float[] {0.5f, 0.5f, 0.5f}, 2)
                        : List.of(), null);
    }
}

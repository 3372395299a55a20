package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.images.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small synthetic RGB images (a coloured disc on a background) for training tests. */
final class ToyImages {
    private ToyImages() {
    }

    static RgbImage disc(int size, float[] fg, float[] bg, double cx, double cy, double r) {
        float[] chw = new float[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                boolean in = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r;
                for (int c = 0; c < 3; c++) {
                    chw[(c * size + y) * size + x] = in ? fg[c] : bg[c];
                }
            }
        }
        return new RgbImage(size, size, chw);
    }

    static List<RgbImage> discs(int count, int size, float[] fg, float[] bg, long seed) {
        Random rnd = new Random(seed);
        List<RgbImage> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(disc(size, fg, bg, size * (0.35 + 0.3 * rnd.nextDouble()), size * (0.35 + 0.3 * rnd.nextDouble()),
                    size * (0.2 + 0.1 * rnd.nextDouble())));
        }
        return out;
    }

    static final float[] RED = {0.9f, 0.1f, 0.1f};
    static final float[] BLUE = {0.1f, 0.2f, 0.8f};
    static final float[] GREEN = {0.1f, 0.8f, 0.2f};
    static final float[] GRAY = {0.5f, 0.5f, 0.5f};
}

package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.images.RgbImage;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationTest {
    private static final RgbImage WHITE = new RgbImage(48, 48, filled(3 * 48 * 48, 1f));

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void shrunkImagesArePastedWithAMaskInsideThePastedRegionAndAFarAwayPrompt() {
        Augmentation aug = new Augmentation(64, 8, true, false);
        int shrunk = 0;
        int zoomed = 0;
        for (long seed = 0; seed < 200; seed++) {
            Augmentation.Example ex = aug.instance(WHITE, "photo of a <new1> dog", new SplittableRandom(seed));
            // pasted white pixels are +1, the canvas is 0 (in [-1, 1] space)
            int side = 0;
            int top = -1;
            int left = -1;
            for (int y = 0; y < 64 && top < 0; y++) {
                for (int x = 0; x < 64; x++) {
                    if (ex.pixels()[y * 64 + x] > 0.5f) {
                        top = y;
                        left = x;
                        break;
                    }
                }
            }
            for (int x = left; x >= 0 && x < 64 && ex.pixels()[top * 64 + x] > 0.5f; x++) {
                side++;
            }
            float maskSum = 0;
            for (float v : ex.mask()) {
                maskSum += v;
            }
            if (top == 0 && left == 0 && side == 64 && maskSum == 64) {
                zoomed++;
                assertTrue(ex.prompt().startsWith("zoomed in ") || ex.prompt().startsWith("close up ")
                        || ex.prompt().equals("photo of a <new1> dog"), ex.prompt());
                continue;
            }
            shrunk++;
            assertTrue(side >= 64 / 3 && side <= 64, "pasted side " + side);
            int rows = (top + side) / 8 - 1 - (top / 8 + 1);
            int cols = (left + side) / 8 - 1 - (left / 8 + 1);
            if (rows <= 0 || cols <= 0) {
                // too small for the one-pixel margin: the latent pixels the paste covers
                rows = Math.min(8, Math.max(top / 8 + 1, (top + side + 7) / 8)) - top / 8;
                cols = Math.min(8, Math.max(left / 8 + 1, (left + side + 7) / 8)) - left / 8;
            }
            assertTrue(maskSum > 0, "empty mask for a " + side + "px paste at " + top + "," + left);
            assertEquals(rows * cols, maskSum, 0f, "mask of a " + side + "px paste at " + top + "," + left);
            assertEquals(side < 0.6 * 64, ex.prompt().startsWith("a far away ") || ex.prompt().startsWith("very small "),
                    "prompt '" + ex.prompt() + "' for side " + side);
        }
        // about two thirds shrink, one third zoom
        assertTrue(shrunk > 100 && zoomed > 40, shrunk + " shrunk, " + zoomed + " zoomed");
    }

    @Test
    void resizeKeepsConstantImagesAndFlipMirrors() {
        RgbImage img = new RgbImage(10, 10, filled(300, 0.25f));
        for (float v : img.resize(7, 13).chw()) {
            assertEquals(0.25f, v, 1e-6f);
        }
        float[] ramp = new float[3 * 2 * 3];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i;
        }
        RgbImage flipped = new RgbImage(2, 3, ramp).flipHorizontal();
        assertEquals(2f, flipped.chw()[0]);
        assertEquals(0f, flipped.chw()[2]);
    }
}

package dev.cdiff.diffusion.pipelines;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.golden.GoldenFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StableDiffusionTest {
    private static NDManager manager;
    private static StableDiffusion sd;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        sd = StableDiffusion.load(GoldenFolder.configured().resolve("models/tiny-sd"), manager);
    }

    @AfterAll
    static void close() {
        sd.close();
        manager.close();
    }

    @Test
    void seededRunsAreReproducibleAndSeedsDiffer() {
        List<int[]> progress = new ArrayList<>();
        SampleRequest req = SampleRequest.of("a red circle").steps(3).guidance(5f).seed(42)
                .listener((step, total) -> progress.add(new int[] {step, total}));
        SampleResult a = sd.generate(req);
        SampleResult b = sd.generate(SampleRequest.of("a red circle").steps(3).guidance(5f).seed(42));
        SampleResult c = sd.generate(SampleRequest.of("a red circle").steps(3).guidance(5f).seed(43));
        assertArrayEquals(a.latents(), b.latents());
        assertFalse(Arrays.equals(a.latents(), c.latents()));
        assertEquals(3, progress.size());
        assertArrayEquals(new int[] {3, 3}, progress.get(2));
        assertArrayEquals(new long[] {1, 4, 16, 16}, a.latentShape());
        for (float p : a.pixels()) {
            assertTrue(p >= 0f && p <= 1f);
        }
    }

    @Test
    void guidanceAndNegativePromptChangeTheResult() {
        SampleResult plain = sd.generate(SampleRequest.of("a dog").steps(2).guidance(1f).seed(1));
        SampleResult guided = sd.generate(SampleRequest.of("a dog").steps(2).guidance(7f).seed(1));
        SampleResult negative = sd.generate(SampleRequest.of("a dog").steps(2).guidance(7f).seed(1)
                .negativePrompt("blue"));
        assertFalse(Arrays.equals(plain.latents(), guided.latents()));
        assertFalse(Arrays.equals(guided.latents(), negative.latents()));
    }

    @Test
    void everySchedulerSamplesAndImagesArePng() throws Exception {
        for (String scheduler : new String[] {"ddpm", "ddim", "dpm", "pndm"}) {
            SampleResult r = sd.generate(SampleRequest.of("a dog", "a cat").steps(3).guidance(4f).seed(7)
                    .scheduler(scheduler));
            assertEquals(2, r.count(), scheduler);
            for (float v : r.latents()) {
                assertTrue(Float.isFinite(v), scheduler);
            }
            List<Path> files = StableDiffusion.writePng(r, tmp.resolve(scheduler), "img");
            BufferedImage back = ImageIO.read(files.get(1).toFile());
            assertEquals(32, back.getWidth());
            assertEquals(r.images().get(1).getRGB(5, 7), back.getRGB(5, 7));
        }
    }

    @Test
    void guidanceRescaleMatchesTextStdAtFullStrength() {
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.ndarray.NDArray text = m.randomNormal(new ai.djl.ndarray.types.Shape(2, 4, 3, 3)).mul(2f);
            ai.djl.ndarray.NDArray guided = m.randomNormal(new ai.djl.ndarray.types.Shape(2, 4, 3, 3)).mul(5f);
            ai.djl.ndarray.NDArray full = StableDiffusion.rescaleGuidance(guided, text, 1f);
            ai.djl.ndarray.NDArray none = StableDiffusion.rescaleGuidance(guided, text, 0f);
            assertArrayEquals(guided.toFloatArray(), none.toFloatArray(), 1e-6f);
            for (int b = 0; b < 2; b++) {
                assertEquals(std(text.get(b).toFloatArray()), std(full.get(b).toFloatArray()), 1e-4);
            }
        }
        SampleResult skipped = sd.generate(SampleRequest.of("a dog").steps(2).guidance(3f).seed(1).clipSkip(1)
                .guidanceRescale(0.7f));
        SampleResult plain = sd.generate(SampleRequest.of("a dog").steps(2).guidance(3f).seed(1));
        assertFalse(Arrays.equals(skipped.latents(), plain.latents()));
    }

    private static double std(float[] v) {
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double ss = 0;
        for (float x : v) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / (v.length - 1));
    }

    @Test
    void samplingLeavesNoArraysBehind() {
        sd.generate(SampleRequest.of("warm up").steps(1).seed(0));
        int before = manager.getManagedArrays().size();
        for (String scheduler : new String[] {"ddim", "ddpm", "dpm", "pndm"}) {
            sd.generate(SampleRequest.of("a dog", "a cat").steps(3).guidance(3f).seed(2).scheduler(scheduler));
        }
        assertEquals(before, manager.getManagedArrays().size());
    }

    @Test
    void imagesMatchPixelsWithRounding() {
        float[] pixels = new float[3 * 2 * 2];
        pixels[0] = 1f;
        pixels[4] = 0.5f;
        pixels[8] = 0.2f;
        BufferedImage img = ImageOutput.toImages(pixels, 1, 2, 2).get(0);
        int rgb = img.getRGB(0, 0);
        assertEquals(255, (rgb >> 16) & 0xff);
        assertEquals(128, (rgb >> 8) & 0xff);
        assertEquals(51, rgb & 0xff);
    }

    @Test
    void badInitialLatentsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> sd.generate(SampleRequest.of("a dog").steps(1).initialLatents(new float[5])));
        assertThrows(IllegalArgumentException.class,
                () -> sd.generate(SampleRequest.of("a dog").steps(1).scheduler("ddpm").eta(0.5f)));
    }
}

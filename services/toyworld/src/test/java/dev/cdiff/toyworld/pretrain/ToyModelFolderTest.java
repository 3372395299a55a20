package dev.cdiff.toyworld.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SampleResult;
import dev.cdiff.diffusion.pipelines.StableDiffusion;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.metrics.TextAlignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proposed toy base model loads in the core pipeline, fits the weight budget and yields scorable images. */
class ToyModelFolderTest {
    @TempDir
    Path dir;

    @Test
    void randomToyModelLoadsSamplesAndFitsTheBudget() throws Exception {
        ToyModelSpec spec = ToyModelFolder.defaultSpec();
        try (NDManager root = NDManager.newBaseManager()) {
            ToyModelFolder.createRandom(dir, spec, 7, root);
            long bytes;
            try (Stream<Path> files = Files.walk(dir)) {
                bytes = files.filter(p -> p.toString().endsWith(".safetensors")).mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.printf("toy model weights %.2f MB%n", bytes / 1e6);
            assertTrue(bytes <= 20_000_000L, "weights are " + bytes + " bytes");
            try (StableDiffusion sd = StableDiffusion.load(dir, root)) {
                assertEquals(4, sd.vaeScaleFactor());
                SampleRequest req = SampleRequest.of("a red circle on the left", "a <unknown> blue square")
                    .steps(2).guidance(3f).seed(11).scheduler("ddim");
                SampleResult a = sd.generate(req);
                SampleResult b = sd.generate(req);
                assertEquals(32, a.height());
                assertEquals(32, a.width());
                assertEquals(2, a.count());
                float maxDiff = 0;
                for (int i = 0; i < a.pixels().length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.pixels()[i] - b.pixels()[i]));
                assertTrue(maxDiff < 1e-4, "same seed, different pixels: " + maxDiff);
                float[] first = Arrays.copyOfRange(a.pixels(), 0, 3 * 32 * 32);
                double score = new TextAlignment().score("a red circle on the left", ToyImage.fromChw(first, 32, 32));
                assertTrue(score >= 0 && score <= 1);
            }
        }
    }

    @Test
    void twoVaeBlocksGiveFactorTwoLatentsThatTheCorePipelineSamples() throws Exception {
        ToyModelSpec spec = ToyModelFolder.defaultSpec(16, new int[] {32, 64});
        assertEquals(16, spec.latentSize());
        try (NDManager root = NDManager.newBaseManager()) {
            ToyModelFolder.createRandom(dir, spec, 7, root);
            try (StableDiffusion sd = StableDiffusion.load(dir, root)) {
                assertEquals(2, sd.vaeScaleFactor());
                SampleResult a = sd.generate(SampleRequest.of("a red circle").steps(2).guidance(3f).seed(11)
                    .scheduler("ddim"));
                assertEquals(32, a.height());
                assertEquals(32, a.width());
            }
        }
    }

    @Test
    void changingTheReturnedVaeChannelsLeavesTheDefaultSpecAlone() {
        int[] channels = ToyModelSpec.proposedVaeChannels();
        channels[0] = 1;
        channels[2] = 7;
        assertEquals(32, ToyModelSpec.proposedVaeChannels()[0]);
        assertEquals(8, ToyModelFolder.defaultSpec().latentSize());
        assertEquals(64, ToyModelFolder.defaultSpec().vaeChannels()[2]);
    }

    @Test
    void inconsistentSpecIsRejectedNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new ToyModelSpec(32, new int[] {32, 64, 64}, 4, new int[] {50, 100}, 1, 8, 16, 64, 2, 4, 690));
        assertTrue(e.getMessage().contains("normGroups"), e.getMessage());
    }
}

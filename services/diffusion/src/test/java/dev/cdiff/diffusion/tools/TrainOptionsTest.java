package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.training.Concept;
import dev.cdiff.diffusion.training.TrainingConfig;
import dev.cdiff.diffusion.training.TrainingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainOptionsTest {
    @TempDir
    Path tmp;

    private Path images(String name, int n) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (int i = 0; i < n; i++) {
            ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("img" + i + ".png").toFile());
        }
        return dir;
    }

    private Concept concept(String... extra) throws Exception {
        TrainCommand c = new TrainCommand();
        List<String> args = new java.util.ArrayList<>(List.of("--model", "m", "--out", "o", "--instance-dir",
                images("inst", 1).toString(), "--instance-prompt", "photo of a <new1> dog", "--class-word", "dog"));
        args.addAll(List.of(extra));
        new CommandLine(c).parseArgs(args.toArray(new String[0]));
        return c.singleConcept();
    }

    @Test
    void regularizationImagesTakeTheirOwnCaptionsInFileNameOrder() throws Exception {
        Path reg = images("reg", 3);
        Path captions = Files.writeString(tmp.resolve("caption.txt"),
                "a dog asleep on a sofa\na dog running on wet sand\n\na black dog in snow\n");
        Concept c = concept("--class-dir", reg.toString(), "--class-captions", captions.toString());
        assertEquals("a dog asleep on a sofa", c.classCaption(0));
        assertEquals("a black dog in snow", c.classCaption(2));
    }

    @Test
    void captionsThatDoNotMatchTheImagesAreRefused() throws Exception {
        Path reg = images("reg", 3);
        Path captions = Files.writeString(tmp.resolve("caption.txt"), "one\ntwo\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> concept("--class-dir", reg.toString(), "--class-captions", captions.toString()));
        assertTrue(e.getMessage().contains("3 class images but 2 class captions"), e.getMessage());
    }

    @Test
    void withoutCaptionsRegularizationImagesArePhotosOfTheClassNotTheBareWord() throws Exception {
        Concept c = concept("--class-dir", images("reg", 2).toString());
        assertEquals("photo of a dog", c.classCaption(1));
        assertEquals("dogs at dusk", concept("--class-dir", images("reg2", 1).toString(), "--class-prompt",
                "dogs at dusk").classCaption(0));
    }

    @Test
    void tokenOnlyTrainingDefaultsToItsOwnLearningRate() throws Exception {
        Concept c = concept();
        TrainingConfig ti = TrainingConfig.builder(List.of(c)).mode(TrainingMode.TEXTUAL_INVERSION).build();
        TrainingConfig kv = TrainingConfig.builder(List.of(c)).build();
        assertEquals(5e-4, ti.learningRate());
        assertEquals(4e-3, ti.effectiveLearningRate(), 1e-12);
        assertEquals(8e-5, kv.effectiveLearningRate(), 1e-12);
        TrainingConfig chosen = TrainingConfig.builder(List.of(c)).mode(TrainingMode.TEXTUAL_INVERSION)
                .learningRate(1e-3).build();
        assertEquals(1e-3, chosen.learningRate());
    }
}

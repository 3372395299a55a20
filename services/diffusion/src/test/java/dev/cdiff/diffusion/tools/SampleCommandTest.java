package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.golden.GoldenFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class SampleCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesOnePngPerImage() throws Exception {
        Path out = tmp.resolve("out");
        int code = new CommandLine(new SampleCommand()).execute("a dog", "a cat",
                "--model", GoldenFolder.configured().resolve("models/tiny-sd").toString(),
                "--steps", "2", "--guidance", "3", "--scheduler", "dpm", "--seed", "5", "--out", out.toString());
        assertEquals(0, code);
        List<Path> pngs;
        try (Stream<Path> s = Files.list(out)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertEquals(2, pngs.size());
        BufferedImage img = ImageIO.read(pngs.get(0).toFile());
        assertEquals(32, img.getWidth());
        assertEquals(32, img.getHeight());
        assertNotEquals(0, new CommandLine(new SampleCommand()).execute("x", "--model", tmp.resolve("missing").toString()));
    }
}

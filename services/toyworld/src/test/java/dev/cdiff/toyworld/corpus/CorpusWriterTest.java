package dev.cdiff.toyworld.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.ToyWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesNumberedPngAndCaptionPairs() throws Exception {
        List<Sample> samples = CorpusWriter.write(dir, 12, 5);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(24, files.count());
        }
        for (int i = 0; i < 12; i++) {
            String stem = String.format("%03d", i);
            assertEquals(samples.get(i).caption(), Files.readString(dir.resolve(stem + ".txt")));
            assertEquals(samples.get(i).image(), ToyImage.readPng(dir.resolve(stem + ".png")));
        }
    }

    @Test
    void sameSeedWritesIdenticalFiles(@TempDir Path other) throws Exception {
        CorpusWriter.write(dir, 5, 8);
        CorpusWriter.write(other, 5, 8);
        for (String name : new String[] {"000.png", "004.png", "002.txt"}) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve(name)), Files.readAllBytes(other.resolve(name))), name);
        }
    }

    @Test
    void conceptFolderCaptionsUseTheToken() throws Exception {
        List<Sample> samples = CorpusWriter.writeConcept(dir, ToyWorld.defaults(), Concepts.CHECKER_CIRCLE, 6, 1);
        for (int i = 0; i < samples.size(); i++) {
            String caption = Files.readString(dir.resolve(String.format("%03d.txt", i)));
            assertTrue(caption.contains("<new1> circle"), caption);
        }
    }
}

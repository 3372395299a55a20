package dev.cdiff.toyworld.corpus;

import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes image+caption folders: NNN.png and NNN.txt (caption, UTF-8, no trailing newline), numbered from 000
 * with at least three digits. The base corpus is the TRAIN split only, so held-out pairs and concept patterns
 * never reach base training or the regularisation retrieval path.
 */
public final class CorpusWriter {
    private CorpusWriter() {}

    /** Base-world training corpus of the default 32 px world. */
    public static List<Sample> write(Path dir, int n, long seed) throws IOException {
        return write(dir, ToyWorld.defaults(), n, seed, Split.TRAIN);
    }

    public static List<Sample> write(Path dir, ToyWorld world, int n, long seed, Split split) throws IOException {
        if (n <= 0) throw new IllegalArgumentException("corpus size must be positive, got " + n);
        return writeAll(dir, world.samples(n, seed, split));
    }

    /** A concept's target images with their captions (which use the concept token). */
    public static List<Sample> writeConcept(Path dir, ToyWorld world, Concept concept, int n, long seed) throws IOException {
        if (n <= 0) throw new IllegalArgumentException("target count must be positive, got " + n);
        return writeAll(dir, world.conceptTargets(concept, n, seed));
    }

    private static List<Sample> writeAll(Path dir, List<Sample> samples) throws IOException {
        Files.createDirectories(dir);
        int digits = Math.max(3, String.valueOf(samples.size() - 1).length());
        String format = "%0" + digits + "d";
        for (int i = 0; i < samples.size(); i++) {
            String stem = String.format(format, i);
            Sample s = samples.get(i);
            s.image().writePng(dir.resolve(stem + ".png"));
            Files.writeString(dir.resolve(stem + ".txt"), s.caption(), StandardCharsets.UTF_8);
        }
        return samples;
    }
}

package dev.cdiff.toyworld.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Fill;
import dev.cdiff.toyworld.world.FillPattern;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PatternedScenesTest {
    @Test
    void patternsVaryButNeverWearAConceptsOwnFill() {
        SplittableRandom random = new SplittableRandom(3);
        Set<FillPattern> patterns = new HashSet<>();
        Set<Fill> conceptFills = new HashSet<>();
        for (Concept c : Concepts.all()) conceptFills.add(c.fill());
        for (int i = 0; i < 20_000; i++) {
            Fill fill = PatternedScenes.randomFill(random);
            assertFalse(conceptFills.contains(fill), "drew a concept's fill " + fill);
            assertNotEquals(FillPattern.SOLID, fill.pattern());
            patterns.add(fill.pattern());
        }
        assertEquals(Set.of(FillPattern.CHECKER, FillPattern.DIAGONAL_STRIPES, FillPattern.RING), patterns);
    }

    @Test
    void sceneImagesAreDeterministicPerSeedAndCarryTwoColourPatterns() {
        ToyWorld world = ToyWorld.defaults();
        ToyImage a = PatternedScenes.generate(world, new SplittableRandom(11));
        ToyImage b = PatternedScenes.generate(world, new SplittableRandom(11));
        assertTrue(java.util.Arrays.equals(a.pixels(), b.pixels()));
        Set<Integer> colours = new HashSet<>();
        for (int p : a.pixels()) colours.add(p);
        // background + at least one object with two pattern colours
        assertTrue(colours.size() >= 3, "only " + colours.size() + " colours");
    }

    @Test
    void pairsShowTwoPatternedObjectsSideBySideOnAPlainBackground() {
        ToyWorld world = ToyWorld.defaults();
        ToyImage a = PatternedScenes.generatePair(world, new SplittableRandom(5));
        assertTrue(java.util.Arrays.equals(a.pixels(), PatternedScenes.generatePair(world, new SplittableRandom(5)).pixels()));
        dev.cdiff.toyworld.detect.SceneDetector detector = new dev.cdiff.toyworld.detect.SceneDetector();
        SplittableRandom random = new SplittableRandom(9);
        Set<Integer> colourCounts = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            ToyImage img = PatternedScenes.generatePair(world, random);
            assertEquals(2, detector.detect(img).objects().size(), "pair " + i);
            Set<Integer> colours = new HashSet<>();
            for (int p : img.pixels()) colours.add(p);
            colourCounts.add(colours.size());
            // one plain background, then two objects of two pattern colours each, which may share colours
            assertTrue(colours.size() >= 3 && colours.size() <= 5, "colours " + colours.size());
        }
        assertTrue(colourCounts.contains(5), "never two objects of four distinct colours: " + colourCounts);
    }

    @Test
    void singleObjectsComeInEverySizeOnAPlainBackground() {
        ToyWorld world = ToyWorld.defaults();
        ToyImage a = PatternedScenes.generateSingle(world, new SplittableRandom(5));
        assertTrue(java.util.Arrays.equals(a.pixels(), PatternedScenes.generateSingle(world, new SplittableRandom(5)).pixels()));
        SplittableRandom random = new SplittableRandom(9);
        int smallest = Integer.MAX_VALUE;
        int largest = 0;
        for (int i = 0; i < 200; i++) {
            java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
            for (int p : PatternedScenes.generateSingle(world, random).pixels()) counts.merge(p, 1, Integer::sum);
            // a plain background and one object of two pattern colours (a small ring may show one)
            assertTrue(counts.size() >= 2 && counts.size() <= 3, "colours " + counts.size());
            int background = java.util.Collections.max(counts.values());
            int size = world.config().imageSize();
            int object = size * size - background;
            smallest = Math.min(smallest, object);
            largest = Math.max(largest, object);
        }
        assertTrue(smallest < 70, "no small object: smallest " + smallest + " pixels");
        assertTrue(largest > 120, "no large object: largest " + largest + " pixels");
    }
}

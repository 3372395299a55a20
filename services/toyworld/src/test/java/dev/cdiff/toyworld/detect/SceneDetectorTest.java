package dev.cdiff.toyworld.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdiff.toyworld.image.ImageCorruption;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import dev.cdiff.toyworld.world.WorldConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SceneDetectorTest {
    private final SceneDetector detector = new SceneDetector();

    private static List<Sample> mixedSamples(ToyWorld world, long seed, int perSplit, int perConcept) {
        List<Sample> samples = new ArrayList<>(world.samples(perSplit, seed, Split.TRAIN));
        samples.addAll(world.samples(perSplit, seed, Split.HELD_OUT));
        for (Concept c : Concepts.all()) samples.addAll(world.conceptTargets(c, perConcept, seed));
        return samples;
    }

    private double accuracy(List<Sample> samples, UnaryOperator<ToyImage> corrupt, String label) {
        int correct = 0;
        int shown = 0;
        double[] conceptAccuracy = new double[4];
        for (Sample s : samples) {
            List<String> diffs = GroundTruth.differences(s.scene(), detector.detect(corrupt.apply(s.image())));
            int k = s.scene().objects().get(0).isConcept() ? 2 : 0;
            conceptAccuracy[k + 1]++;
            if (diffs.isEmpty()) conceptAccuracy[k]++;
            if (diffs.isEmpty()) {
                correct++;
            } else if (shown++ < 3) {
                System.out.println(label + " miss: " + s.caption() + " " + s.scene().objects().get(0).size() + " -> " + diffs);
            }
        }
        double acc = correct / (double) samples.size();
        System.out.printf("%s detector accuracy %.4f on %d images (base scenes %.4f, concept scenes %.4f)%n", label, acc,
            samples.size(), conceptAccuracy[0] / Math.max(1, conceptAccuracy[1]), conceptAccuracy[2] / Math.max(1, conceptAccuracy[3]));
        return acc;
    }

    @Test
    void cleanImagesAreDetectedExactlyAt32() {
        List<Sample> samples = mixedSamples(ToyWorld.defaults(), 11, 500, 100);
        long twoObject = samples.stream().filter(s -> s.scene().objects().size() == 2).count();
        assertTrue(twoObject > 200, "test set must include many two-object scenes, had " + twoObject);
        assertTrue(accuracy(samples, UnaryOperator.identity(), "clean32") >= 0.99);
    }

    @Test
    void cleanImagesAreDetectedExactlyAt64() {
        ToyWorld world = new ToyWorld(WorldConfig.defaults().withImageSize(64));
        assertTrue(accuracy(mixedSamples(world, 12, 200, 40), UnaryOperator.identity(), "clean64") >= 0.99);
    }

    @Test
    void noisyBlurredImagesAreMostlyDetected() {
        List<Sample> samples = mixedSamples(ToyWorld.defaults(), 13, 250, 50);
        int[] counter = {0};
        double acc = accuracy(samples,
            img -> ImageCorruption.gaussianNoise(ImageCorruption.gaussianBlur(img, 0.5), 8.0, counter[0]++), "noisy32");
        assertTrue(acc >= 0.9, "accuracy under noise sigma 8 + blur 0.5 was " + acc);
    }

    /** Reports accuracy over a ladder of degradations; only the mildest level is held to a bound. */
    @Test
    void robustnessLadder() {
        List<Sample> samples = mixedSamples(ToyWorld.defaults(), 14, 150, 30);
        double[][] levels = {{0.5, 4}, {0.5, 8}, {0.7, 12}, {0.8, 16}, {1.0, 24}};
        double previous = 1.0;
        for (double[] level : levels) {
            int[] counter = {0};
            double acc = accuracy(samples, img -> ImageCorruption.gaussianNoise(
                ImageCorruption.gaussianBlur(img, level[0]), level[1], 1000 + counter[0]++),
                String.format("blur%.1f+noise%.0f", level[0], level[1]));
            if (level[1] <= 4) assertTrue(acc >= 0.99, "mild degradation accuracy " + acc);
            previous = acc;
        }
        assertTrue(previous >= 0.0);
    }

    @Test
    void bothConceptsOfARenderedPairAreDetectedExactly() {
        // the multi-concept ceiling rests on this: before any VAE, a real scene of two concepts shows both, each with
        // its shape and fill, in every size and arrangement the pair sampler draws
        ToyWorld world = ToyWorld.defaults();
        SceneDetector detector = new SceneDetector();
        for (Concept[] pair : new Concept[][] {{Concepts.CHECKER_CIRCLE, Concepts.STRIPED_SQUARE},
                {Concepts.STRIPED_SQUARE, Concepts.RING_TRIANGLE}}) {
            List<ToyImage> scenes = world.conceptPairs(pair[0], pair[1], 64, 3);
            for (int i = 0; i < scenes.size(); i++) {
                List<DetectedObject> objects = detector.detect(scenes.get(i)).objects();
                assertEquals(2, objects.size(), pair[0].token() + " scene " + i);
                assertTrue(objects.stream().anyMatch(o -> o.matches(pair[0])), pair[0].token() + " scene " + i);
                assertTrue(objects.stream().anyMatch(o -> o.matches(pair[1])), pair[1].token() + " scene " + i);
            }
        }
    }

    @Test
    void detectorReportsDifferencesForWrongTruth() {
        Sample a = ToyWorld.defaults().sample(5, 0, Split.TRAIN);
        Sample b = ToyWorld.defaults().sample(5, 1, Split.TRAIN);
        DetectedScene detected = detector.detect(a.image());
        assertEquals(List.of(), GroundTruth.differences(a.scene(), detected));
        if (!a.scene().equals(b.scene())) {
            assertTrue(!GroundTruth.differences(b.scene(), detected).isEmpty());
        }
    }
}

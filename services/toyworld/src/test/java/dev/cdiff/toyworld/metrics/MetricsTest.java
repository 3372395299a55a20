package dev.cdiff.toyworld.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdiff.toyworld.detect.SceneDetector;
import dev.cdiff.toyworld.image.ImageCorruption;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.BackgroundPattern;
import dev.cdiff.toyworld.world.CaptionWriter;
import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.PaletteColor;
import dev.cdiff.toyworld.world.Position;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Shape;
import dev.cdiff.toyworld.world.Size;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private final ToyWorld world = ToyWorld.defaults();
    private final TextAlignment alignment = new TextAlignment();

    @Test
    void parserReadsObjectsPositionsAndBackground() {
        PromptSpec spec = PromptParser.parse("a small red circle on the left and a big blue square on the right on a striped gray background");
        assertEquals(2, spec.objects().size());
        assertEquals(new PromptSpec.ObjectSpec(Shape.CIRCLE, PaletteColor.RED, Size.SMALL, Position.LEFT, null), spec.objects().get(0));
        assertEquals(new PromptSpec.ObjectSpec(Shape.SQUARE, PaletteColor.BLUE, Size.LARGE, Position.RIGHT, null), spec.objects().get(1));
        assertEquals(PaletteColor.GRAY, spec.backgroundColor());
        assertEquals(BackgroundPattern.STRIPED, spec.backgroundPattern());
        PromptSpec concept = PromptParser.parse("a <new1> circle on a green background");
        assertEquals("<new1>", concept.objects().get(0).concept());
        assertNull(concept.objects().get(0).color());
        assertEquals(1 + 2 + 1, concept.attributeCount());
    }

    @Test
    void ownCaptionsScoreOne() {
        List<Sample> samples = new ArrayList<>(world.samples(300, 21, Split.TRAIN));
        samples.addAll(world.samples(100, 21, Split.HELD_OUT));
        for (Concept c : Concepts.all()) samples.addAll(world.conceptTargets(c, 30, 21));
        for (Sample s : samples) {
            assertEquals(1.0, alignment.score(s.caption(), s.image()), 1e-12, s.caption());
        }
    }

    @Test
    void mismatchedCaptionsScoreLower() {
        List<Sample> a = world.samples(200, 22, Split.TRAIN);
        List<Sample> b = world.samples(200, 23, Split.TRAIN);
        double own = 0;
        double swapped = 0;
        for (int i = 0; i < a.size(); i++) {
            own += alignment.score(a.get(i).caption(), a.get(i).image());
            swapped += alignment.score(b.get(i).caption(), a.get(i).image());
        }
        own /= a.size();
        swapped /= a.size();
        System.out.printf("text alignment own %.3f, swapped captions %.3f%n", own, swapped);
        assertEquals(1.0, own, 1e-12);
        assertTrue(swapped < 0.7, "swapped-caption alignment " + swapped);
        Sample s = world.sample(24, 0, Split.TRAIN);
        String wrongColour = s.caption().replace(s.scene().objects().get(0).color().word(),
            s.scene().objects().get(0).color() == PaletteColor.RED ? "blue" : "red");
        assertTrue(alignment.score(wrongColour, s.image()) < 1.0, wrongColour);
    }

    @Test
    void textAlignmentRejectsPromptWithoutShapes() {
        ToyImage img = world.sample(1, 0, Split.TRAIN).image();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> alignment.score("a nice photo", img));
        assertTrue(e.getMessage().contains("shape"));
    }

    @Test
    void imageAlignmentSeparatesTheConceptFromItsClassAndFromOtherConcepts() {
        SceneDetector detector = new SceneDetector();
        for (Concept concept : Concepts.all()) {
            List<ToyImage> refs = world.conceptTargets(concept, 8, 31).stream().map(Sample::image).toList();
            ConceptReference reference = ConceptReference.fromImages(concept, refs, detector);
            List<ToyImage> fresh = world.conceptTargets(concept, 40, 32).stream().map(Sample::image).toList();
            ImageAlignmentSummary same = reference.summarize(fresh);
            List<ToyImage> classImages = new ArrayList<>();
            for (PaletteColor c : PaletteColor.objectColors()) {
                for (Sample s : world.samples(200, 33 + c.ordinal(), Split.TRAIN)) {
                    if (s.scene().objects().size() == 1 && s.scene().objects().get(0).shape() == concept.classShape()
                        && s.scene().objects().get(0).color() == c) {
                        classImages.add(s.image());
                        break;
                    }
                }
            }
            ImageAlignmentSummary plainClass = reference.summarize(classImages);
            List<ToyImage> others = new ArrayList<>();
            for (Concept other : Concepts.all()) {
                if (other != concept) others.addAll(world.conceptTargets(other, 20, 34).stream().map(Sample::image).toList());
            }
            ImageAlignmentSummary otherConcepts = reference.summarize(others);
            System.out.printf("%s image alignment: same %.3f (exact %.2f), plain class %.3f (exact %.2f), other concepts %.3f (exact %.2f)%n",
                concept.token(), same.meanSimilarity(), same.exactMatchRate(), plainClass.meanSimilarity(),
                plainClass.exactMatchRate(), otherConcepts.meanSimilarity(), otherConcepts.exactMatchRate());
            assertEquals(1.0, same.exactMatchRate());
            assertTrue(same.meanSimilarity() > 0.85, "same-concept similarity " + same.meanSimilarity());
            assertEquals(0.0, plainClass.exactMatchRate());
            assertEquals(0.0, otherConcepts.exactMatchRate());
            assertTrue(plainClass.meanSimilarity() < same.meanSimilarity() - 0.3);
            assertTrue(otherConcepts.meanSimilarity() < same.meanSimilarity() - 0.3);
            for (double s : new double[] {same.meanSimilarity(), plainClass.meanSimilarity(), otherConcepts.meanSimilarity()}) {
                assertTrue(s >= 0 && s <= 1);
            }
        }
    }

    @Test
    void forgettingIsTheDropOfClassPromptAlignment() {
        List<PromptedImage> before = classPromptedSingles(300, 41);
        List<PromptedImage> after = new ArrayList<>();
        for (PromptedImage p : before) {
            // A "forgetful" model: half its class images come out in the wrong colour (a plain image of another sample).
            ToyImage degraded = after.size() % 2 == 0 ? p.image()
                : world.sample(42, after.size(), Split.TRAIN).image();
            after.add(new PromptedImage(p.prompt(), degraded));
        }
        Forgetting.ForgettingResult r = new Forgetting(alignment).measure(before, after);
        System.out.printf("forgetting: before %.3f after %.3f drop %.3f%n", r.alignmentBefore(), r.alignmentAfter(), r.drop());
        assertEquals(1.0, r.alignmentBefore(), 1e-12);
        assertTrue(r.drop() > 0.1);
        assertEquals(0.0, new Forgetting(alignment).measure(before, before).drop(), 1e-12);
    }

    @Test
    void forgettingRatioCarriesAPairedBootstrapInterval() {
        List<PromptedImage> before = classPromptedSingles(400, 43);
        List<PromptedImage> half = new ArrayList<>();
        List<PromptedImage> all = new ArrayList<>();
        for (int i = 0; i < before.size(); i++) {
            PromptedImage p = before.get(i);
            ToyImage other = world.sample(44, i, Split.TRAIN).image();
            // model A replaces every fourth image by another sample, model B every second one (the same ones and more)
            half.add(new PromptedImage(p.prompt(), i % 4 == 0 ? other : p.image()));
            all.add(new PromptedImage(p.prompt(), i % 2 == 0 ? other : p.image()));
        }
        Forgetting forgetting = new Forgetting(alignment);
        Forgetting.RatioInterval r = forgetting.ratio(before, half, all, 0.9, 2000, 5);
        double expected = forgetting.measure(before, half).drop() / forgetting.measure(before, all).drop();
        assertEquals(expected, r.value(), 1e-12);
        assertTrue(r.value() > 0.3 && r.value() < 0.7, "about half: " + r.value());
        assertTrue(r.low() <= r.value() && r.value() <= r.high(), r.low() + " .. " + r.high());
        assertTrue(r.high() - r.low() > 0.01 && r.high() - r.low() < 0.6, "a finite, informative width: " + r);
        assertEquals(before.size(), r.images());
        assertEquals(r, forgetting.ratio(before, half, all, 0.9, 2000, 5), "same seed, same interval");

        // fewer images give a wider interval
        Forgetting.RatioInterval few = forgetting.ratio(before.subList(0, 24), half.subList(0, 24), all.subList(0, 24),
            0.9, 2000, 5);
        assertTrue(few.high() - few.low() > r.high() - r.low(), few + " vs " + r);

        // B forgot nothing: no ratio
        assertTrue(Double.isNaN(forgetting.ratio(before, half, before, 0.9, 200, 5).value()));
        // lists that are not paired image by image are refused
        List<PromptedImage> shuffled = new ArrayList<>(half);
        java.util.Collections.reverse(shuffled);
        assertThrows(IllegalArgumentException.class, () -> forgetting.ratio(before, shuffled, all, 0.9, 200, 5));
        assertThrows(IllegalArgumentException.class, () -> forgetting.ratio(before, half.subList(1, half.size()), all, 0.9, 200, 5));
    }

    @Test
    void textAlignmentStaysHighOnNoisyImages() {
        double sum = 0;
        int i = 0;
        List<Sample> samples = world.samples(200, 51, Split.TRAIN);
        for (Sample s : samples) {
            ToyImage noisy = ImageCorruption.gaussianNoise(ImageCorruption.gaussianBlur(s.image(), 0.5), 8, i++);
            sum += alignment.score(s.caption(), noisy);
        }
        double mean = sum / samples.size();
        System.out.printf("text alignment on noisy+blurred own images %.4f%n", mean);
        assertTrue(mean > 0.97);
        assertFalse(Double.isNaN(mean));
    }

    /** The single-object samples among n, each with its plain class prompt ("a red circle"). */
    private List<PromptedImage> classPromptedSingles(int n, long seed) {
        List<PromptedImage> out = new ArrayList<>();
        for (Sample s : world.samples(n, seed, Split.TRAIN)) {
            if (s.scene().objects().size() != 1) continue;
            var o = s.scene().objects().get(0);
            out.add(new PromptedImage(CaptionWriter.classPrompt(o.shape(), o.color()), s.image()));
        }
        return out;
    }
}

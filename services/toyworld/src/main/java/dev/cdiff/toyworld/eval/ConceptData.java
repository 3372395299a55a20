package dev.cdiff.toyworld.eval;

import dev.cdiff.diffusion.training.Concept;
import dev.cdiff.diffusion.images.RgbImage;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A toy concept prepared for the core trainer: its target images, the instance prompt "a &lt;newN&gt; shape"
 * (no position words, so flips and crops cannot make the caption false), and real regularization images with
 * their own captions, retrieved from the base-world corpus by the class word, as the paper retrieves LAION
 * images by caption similarity.
 */
public record ConceptData(dev.cdiff.toyworld.world.Concept toy, List<ToyImage> targets, List<ToyImage> regImages,
                          List<String> regCaptions) {
    public ConceptData {
        targets = List.copyOf(targets);
        regImages = List.copyOf(regImages);
        regCaptions = List.copyOf(regCaptions);
    }

    public static ConceptData of(dev.cdiff.toyworld.world.Concept toy, ToyWorld world, List<Sample> corpus,
                                 int targetCount, int regCount, long seed) {
        List<ToyImage> targets = new ArrayList<>();
        for (Sample s : world.conceptTargets(toy, targetCount, seed)) targets.add(s.image());
        List<ToyImage> reg = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (Sample s : corpus) {
            if (reg.size() == regCount) break;
            if (mentionsClass(s.caption(), toy.classWord())) {
                reg.add(s.image());
                captions.add(s.caption());
            }
        }
        if (reg.isEmpty()) {
            throw new IllegalStateException("the corpus has no caption mentioning '" + toy.classWord() + "'");
        }
        return new ConceptData(toy, targets, reg, captions);
    }

    static boolean mentionsClass(String caption, String classWord) {
        for (String w : caption.toLowerCase(Locale.ROOT).split("\\s+")) {
            if (w.equals(classWord) || w.equals(classWord + "s")) return true;
        }
        return false;
    }

    public String token() {
        return toy.token();
    }

    public String instancePrompt() {
        return "a " + toy.token() + " " + toy.classWord();
    }

    /** The trainer's concept, with or without prior-preservation images. */
    public Concept forTraining(boolean regularize) {
        return new Concept(toy.token() + " " + toy.classWord(), toy.token(), toy.initializerWord(), toy.classWord(),
            instancePrompt(), rgb(targets), "a " + toy.classWord(), regularize ? rgb(regImages) : List.of(),
            regularize ? regCaptions : List.of());
    }

    private static List<RgbImage> rgb(List<ToyImage> images) {
        List<RgbImage> out = new ArrayList<>();
        for (ToyImage i : images) out.add(new RgbImage(i.height(), i.width(), i.toChw()));
        return out;
    }

    /** Prompts that use the concept token: image alignment and text alignment are measured on these. */
    public List<String> conceptPrompts() {
        String t = toy.token() + " " + toy.classWord();
        return List.of("a " + t, "a " + t + " on a blue background", "a large " + t, "a " + t + " on the left");
    }

    /** Plain class prompts (no token): the base model's class knowledge that fine-tuning should not forget. */
    public List<String> classPrompts() {
        String c = toy.classWord();
        return List.of("a red " + c, "a blue " + c + " on the right", "a small yellow " + c, "a " + c + " on a white background");
    }
}

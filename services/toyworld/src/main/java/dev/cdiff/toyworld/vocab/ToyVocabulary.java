package dev.cdiff.toyworld.vocab;

import dev.cdiff.toyworld.world.BackgroundPattern;
import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.PaletteColor;
import dev.cdiff.toyworld.world.Position;
import dev.cdiff.toyworld.world.Shape;
import dev.cdiff.toyworld.world.Size;
import java.util.List;
import java.util.TreeSet;

/** Every word the world's captions use, plus the concepts' initializer words. Concept tokens are not included. */
public final class ToyVocabulary {
    /** Function words of the caption templates and a few extra words for hand-written prompts. */
    private static final List<String> FUNCTION_WORDS = List.of(
        "a", "an", "the", "and", "of", "on", "in", "at", "with", "against", "to", "next",
        "photo", "picture", "drawing", "image", "painting", "rendering", "background", "object", "shape", "two");

    private ToyVocabulary() {}

    /** Sorted, lower-case, letters only. */
    public static List<String> words() {
        TreeSet<String> words = new TreeSet<>(FUNCTION_WORDS);
        for (PaletteColor c : PaletteColor.values()) words.add(c.word());
        for (Shape s : Shape.values()) words.add(s.word());
        for (Size s : Size.values()) {
            words.add(s.word());
            words.add(s.synonym());
        }
        for (Position p : Position.values()) {
            words.add(p.word());
            for (String w : p.phrase().split(" ")) words.add(w);
        }
        for (BackgroundPattern p : BackgroundPattern.values()) words.add(p.word());
        for (Concept c : Concepts.all()) words.add(c.initializerWord());
        for (String w : words) {
            if (!w.matches("[a-z]+")) throw new IllegalStateException("vocabulary word '" + w + "' is not lower-case letters");
        }
        return List.copyOf(words);
    }
}

package dev.cdiff.toyworld.metrics;

import dev.cdiff.toyworld.world.BackgroundPattern;
import dev.cdiff.toyworld.world.PaletteColor;
import dev.cdiff.toyworld.world.Position;
import dev.cdiff.toyworld.world.Shape;
import dev.cdiff.toyworld.world.Size;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the world's attributes out of a free-form prompt. Colour, size and concept words attach to the next
 * shape word; a position word to the previous shape (or, before any shape, to the next one); words right before "background" describe the background.
 * Unknown words are ignored, so "a photo of ..." or "in the style of ..." do not matter.
 */
public final class PromptParser {
    private static final Pattern CONCEPT_TOKEN = Pattern.compile("<[a-z0-9_]+>");

    private PromptParser() {}

    public static PromptSpec parse(String prompt) {
        String[] words = prompt.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9<>_ ]", " ").trim().split("\\s+");
        boolean[] consumed = new boolean[words.length];
        PaletteColor bgColor = null;
        BackgroundPattern bgPattern = null;
        for (int i = 0; i < words.length; i++) {
            if (!words[i].equals("background")) continue;
            consumed[i] = true;
            for (int j = i - 1; j >= 0; j--) {
                Optional<PaletteColor> color = color(words[j]);
                if (color.isPresent()) {
                    bgColor = color.get();
                } else if (words[j].equals("striped")) {
                    bgPattern = BackgroundPattern.STRIPED;
                } else if (words[j].equals("plain")) {
                    bgPattern = BackgroundPattern.PLAIN;
                } else {
                    break;
                }
                consumed[j] = true;
            }
        }
        List<PromptSpec.ObjectSpec> objects = new ArrayList<>();
        PaletteColor color = null;
        Size size = null;
        String concept = null;
        Position pendingPosition = null;
        for (int i = 0; i < words.length; i++) {
            if (consumed[i]) continue;
            String w = words[i];
            Optional<Shape> shape = shape(w);
            Optional<Position> position = position(w);
            if (shape.isPresent()) {
                objects.add(new PromptSpec.ObjectSpec(shape.get(), color, size, pendingPosition, concept));
                color = null;
                size = null;
                concept = null;
                pendingPosition = null;
            } else if (color(w).isPresent()) {
                color = color(w).get();
            } else if (size(w).isPresent()) {
                size = size(w).get();
            } else if (CONCEPT_TOKEN.matcher(w).matches()) {
                concept = w;
            } else if (position.isPresent()) {
                if (!objects.isEmpty() && objects.get(objects.size() - 1).position() == null) {
                    PromptSpec.ObjectSpec last = objects.remove(objects.size() - 1);
                    objects.add(new PromptSpec.ObjectSpec(last.shape(), last.color(), last.size(), position.get(), last.concept()));
                } else {
                    pendingPosition = position.get();
                }
            }
        }
        return new PromptSpec(objects, bgColor, bgPattern);
    }

    private static Optional<Shape> shape(String w) {
        for (Shape s : Shape.values()) if (s.word().equals(w) || (s.word() + "s").equals(w)) return Optional.of(s);
        return Optional.empty();
    }

    private static Optional<PaletteColor> color(String w) {
        for (PaletteColor c : PaletteColor.values()) if (c.word().equals(w)) return Optional.of(c);
        return Optional.empty();
    }

    private static Optional<Size> size(String w) {
        for (Size s : Size.values()) if (s.word().equals(w) || s.synonym().equals(w)) return Optional.of(s);
        return Optional.empty();
    }

    private static Optional<Position> position(String w) {
        for (Position p : Position.values()) if (p.word().equals(w)) return Optional.of(p);
        return Optional.empty();
    }
}

package dev.cdiff.toyworld.world;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Natural captions from templates. Each caption mentions every object's shape (and colour or concept token);
 * size, position and background are mentioned at random, so prompts vary in detail as real captions do.
 * Every caption is parseable by {@link dev.cdiff.toyworld.metrics.PromptParser}.
 */
public final class CaptionWriter {
    private static final String[] SINGLE_PREFIXES = {"a", "a", "a photo of a", "a picture of a", "a drawing of a",
        "an image of a", ""};
    private static final String[] BACKGROUND_LEADS = {"on a", "against a", "with a"};

    private CaptionWriter() {}

    public static String caption(Scene scene, SplittableRandom random) {
        List<String> parts = new ArrayList<>();
        List<SceneObject> objects = scene.objects();
        boolean mentionPositions = random.nextDouble() < 0.5;
        if (objects.size() == 1) {
            String prefix = SceneSampler.pick(random, SINGLE_PREFIXES);
            if (!prefix.isEmpty()) parts.add(prefix);
            parts.add(objectPhrase(objects.get(0), random, mentionPositions));
        } else {
            parts.add("a");
            parts.add(objectPhrase(objects.get(0), random, mentionPositions));
            parts.add("and a");
            parts.add(objectPhrase(objects.get(1), random, mentionPositions));
        }
        if (random.nextDouble() < 0.6) {
            parts.add(SceneSampler.pick(random, BACKGROUND_LEADS));
            parts.add(backgroundPhrase(scene.background(), random));
            parts.add("background");
        }
        return String.join(" ", parts);
    }

    /** The plain class prompt of an object, e.g. "a red circle", used for forgetting checks. */
    public static String classPrompt(Shape shape, PaletteColor color) {
        return "a " + color.word() + " " + shape.word();
    }

    private static String objectPhrase(SceneObject o, SplittableRandom random, boolean withPosition) {
        List<String> words = new ArrayList<>();
        if (random.nextDouble() < 0.5) {
            words.add(random.nextDouble() < 0.75 ? o.size().word() : o.size().synonym());
        }
        words.add(o.isConcept() ? o.concept() : o.color().word());
        words.add(o.shape().word());
        if (withPosition) words.add(o.position().phrase());
        return String.join(" ", words);
    }

    private static String backgroundPhrase(Background bg, SplittableRandom random) {
        if (bg.pattern() == BackgroundPattern.STRIPED) return "striped " + bg.color().word();
        return random.nextDouble() < 0.2 ? "plain " + bg.color().word() : bg.color().word();
    }
}

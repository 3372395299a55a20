package dev.cdiff.toyworld.image;

import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Fill;
import dev.cdiff.toyworld.world.FillPattern;
import dev.cdiff.toyworld.world.PaletteColor;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Scene;
import dev.cdiff.toyworld.world.SceneObject;
import dev.cdiff.toyworld.world.Shape;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Captionless base-world scenes whose objects wear random two-colour patterns, for VAE training only: full-frame
 * textures teach the autoencoder the patterns, these teach it patterns clipped by shape edges on a background,
 * as every personal concept appears. The personal concepts' own fills (pattern and colour pair) are never drawn,
 * so the concepts stay unseen by the base model.
 */
public final class PatternedScenes {
    private static final FillPattern[] PATTERNS = {FillPattern.CHECKER, FillPattern.DIAGONAL_STRIPES, FillPattern.RING};
    private static final Set<Fill> CONCEPT_FILLS =
        Concepts.all().stream().map(Concept::fill).collect(Collectors.toUnmodifiableSet());

    private PatternedScenes() {}

    public static ToyImage generate(ToyWorld world, SplittableRandom random) {
        Sample base = world.sample(random.nextLong(), 0, Split.TRAIN);
        Scene scene = base.scene();
        List<SceneObject> objects = new ArrayList<>();
        for (SceneObject o : scene.objects()) {
            Fill fill = randomFill(random);
            objects.add(new SceneObject(o.shape(), fill, o.size(), o.position(), o.centerX(), o.centerY(),
                o.halfExtent(), o.concept()));
        }
        return world.render(new Scene(scene.imageSize(), scene.background(), objects));
    }

    /**
     * One object of a random shape in a random two-colour pattern (never a concept's own fill), placed as concept
     * targets are: random size and position on a plain background. Base-world scenes mostly hold several small
     * objects, so large patterned objects are otherwise rare, and the autoencoder drew them worst.
     */
    public static ToyImage generateSingle(ToyWorld world, SplittableRandom random) {
        Concept lookalike = lookalike("<patterned>", random);
        return world.conceptTargets(lookalike, 1, random.nextLong()).get(0).image();
    }

    /**
     * Two objects of random shapes, each in its own random two-colour pattern (never a concept's own fill), side by
     * side as a composition of two concepts is drawn. Next to another patterned object the autoencoder loses more
     * of a pattern than on a lone object, which is what a two-concept image needs it to keep.
     */
    public static ToyImage generatePair(ToyWorld world, SplittableRandom random) {
        Concept first = lookalike("<patterned1>", random);
        Concept second = lookalike("<patterned2>", random);
        return world.conceptPairs(first, second, 1, random.nextLong()).get(0);
    }

    /** An object of a random shape in a random two-colour pattern, drawn as a concept would be. */
    private static Concept lookalike(String token, SplittableRandom random) {
        Shape[] shapes = Shape.values();
        Shape shape = shapes[random.nextInt(shapes.length)];
        return new Concept(token, "patterned", shape, randomFill(random));
    }

    static Fill randomFill(SplittableRandom random) {
        List<PaletteColor> colors = PaletteColor.objectColors();
        while (true) {
            PaletteColor a = colors.get(random.nextInt(colors.size()));
            PaletteColor b = colors.get(random.nextInt(colors.size()));
            if (a == b) continue;
            Fill fill = new Fill(PATTERNS[random.nextInt(PATTERNS.length)], a, b);
            if (!CONCEPT_FILLS.contains(fill)) return fill;
        }
    }
}

package dev.cdiff.toyworld.world;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws random scenes. Objects stay one pixel away from the image border (so the border shows only background)
 * and two objects keep at least two background pixels between them (so they never touch).
 */
public final class SceneSampler {
    private static final int MAX_ATTEMPTS = 64;
    private final WorldConfig config;

    public SceneSampler(WorldConfig config) {
        this.config = config;
    }

    public Scene sample(SplittableRandom random, Split split) {
        boolean two = random.nextDouble() < config.twoObjectProbability();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            List<Fill> fills = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            int count = two ? 2 : 1;
            for (int i = 0; i < count; i++) {
                Shape shape = pick(random, Shape.values());
                boolean mustHoldOut = split == Split.HELD_OUT && i == 0;
                List<PaletteColor> colors = mustHoldOut ? config.heldOut().heldOutColors(shape)
                    : split == Split.TRAIN ? config.heldOut().trainColors(shape) : PaletteColor.objectColors();
                shapes.add(shape);
                fills.add(Fill.solid(pick(random, colors)));
            }
            Background bg = background(random, fills);
            Scene scene = place(random, bg, shapes, fills, List.of(), null);
            if (scene != null) return scene;
        }
        throw new IllegalStateException("could not place a scene in " + MAX_ATTEMPTS + " attempts");
    }

    /** A single-object scene of the concept with random size, position and plain background. */
    public Scene sampleConcept(SplittableRandom random, Concept concept) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Background bg = plainBackgroundAvoiding(random, List.of(concept.fill()));
            Scene scene = place(random, bg, List.of(concept.classShape()), List.of(concept.fill()), List.of(), concept.token());
            if (scene != null) return scene;
        }
        throw new IllegalStateException("could not place concept " + concept.token());
    }

    /**
     * A two-object scene of the two concepts side by side (left/right or top/bottom, either order), each of random
     * size, on a plain background that clashes with neither fill: a real composition of two concepts, as the
     * composition prompts ask for.
     */
    public Scene sampleConceptPair(SplittableRandom random, Concept first, Concept second) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Background bg = plainBackgroundAvoiding(random, List.of(first.fill(), second.fill()));
            Scene scene = place(random, bg, List.of(first.classShape(), second.classShape()),
                List.of(first.fill(), second.fill()), List.of(), null);
            if (scene != null) {
                List<SceneObject> tagged = List.of(withConcept(scene.objects().get(0), first.token()),
                    withConcept(scene.objects().get(1), second.token()));
                return new Scene(scene.imageSize(), scene.background(), tagged);
            }
        }
        throw new IllegalStateException("could not place concepts " + first.token() + " and " + second.token());
    }

    private static SceneObject withConcept(SceneObject o, String token) {
        return new SceneObject(o.shape(), o.fill(), o.size(), o.position(), o.centerX(), o.centerY(), o.halfExtent(),
            token);
    }

    private Background background(SplittableRandom random, List<Fill> fills) {
        if (random.nextDouble() < config.stripedBackgroundProbability()) {
            List<PaletteColor> options = new ArrayList<>();
            for (PaletteColor c : PaletteColor.values()) {
                if (c == PaletteColor.WHITE) continue;
                Background candidate = new Background(c, BackgroundPattern.STRIPED);
                if (fills.stream().noneMatch(f -> clashes(candidate, f))) options.add(c);
            }
            return new Background(pick(random, options), BackgroundPattern.STRIPED);
        }
        return plainBackgroundAvoiding(random, fills);
    }

    private static Background plainBackgroundAvoiding(SplittableRandom random, List<Fill> fills) {
        List<PaletteColor> options = new ArrayList<>();
        for (PaletteColor c : PaletteColor.values()) {
            Background candidate = Background.plain(c);
            if (fills.stream().noneMatch(f -> clashes(candidate, f))) options.add(c);
        }
        return Background.plain(pick(random, options));
    }

    private static boolean clashes(Background bg, Fill fill) {
        return bg.clashesWith(fill.primary()) || (fill.secondary() != null && bg.clashesWith(fill.secondary()));
    }

    private Scene place(SplittableRandom random, Background bg, List<Shape> shapes, List<Fill> fills,
                        List<Size> fixedSizes, String concept) {
        int n = shapes.size();
        int s = config.imageSize();
        double jitter = s / 32.0;
        List<Position> positions = new ArrayList<>();
        if (n == 1) {
            positions.add(pick(random, Position.values()));
        } else {
            boolean horizontal = random.nextBoolean();
            Position a = horizontal ? Position.LEFT : Position.TOP;
            Position b = horizontal ? Position.RIGHT : Position.BOTTOM;
            boolean swap = random.nextBoolean();
            positions.add(swap ? b : a);
            positions.add(swap ? a : b);
        }
        List<SceneObject> objects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Size size = fixedSizes.isEmpty() ? pick(random, Size.values()) : fixedSizes.get(i);
            Position p = positions.get(i);
            double r = size.extentFraction() * s / 2.0;
            double cx = p.anchorX() * s + jitter * (2 * random.nextDouble() - 1);
            double cy = p.anchorY() * s + jitter * (2 * random.nextDouble() - 1);
            if (n == 2) {
                // Pairs only move away from each other, which keeps a gap even for two large objects.
                if (p == Position.LEFT) cx = Math.min(cx, p.anchorX() * s);
                if (p == Position.RIGHT) cx = Math.max(cx, p.anchorX() * s);
                if (p == Position.TOP) cy = Math.min(cy, p.anchorY() * s);
                if (p == Position.BOTTOM) cy = Math.max(cy, p.anchorY() * s);
            }
            cx = clamp(cx, r + 1.0, s - 1.0 - r);
            cy = clamp(cy, r + 1.0, s - 1.0 - r);
            objects.add(new SceneObject(shapes.get(i), fills.get(i), size, p, cx, cy, r, concept));
        }
        Scene scene = new Scene(s, bg, objects);
        return isWellSeparated(scene) ? scene : null;
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Checks the border and gap invariants on the actual rasterised masks. */
    static boolean isWellSeparated(Scene scene) {
        int s = scene.imageSize();
        List<boolean[]> masks = new ArrayList<>();
        for (SceneObject o : scene.objects()) {
            boolean[] m = SceneRenderer.mask(o, s);
            for (int i = 0; i < s; i++) {
                if (m[i] || m[(s - 1) * s + i] || m[i * s] || m[i * s + s - 1]) return false;
            }
            masks.add(m);
        }
        if (masks.size() == 2) {
            boolean[] a = masks.get(0);
            boolean[] b = masks.get(1);
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    if (!a[y * s + x]) continue;
                    for (int dy = -2; dy <= 2; dy++) {
                        for (int dx = -2; dx <= 2; dx++) {
                            int xx = x + dx;
                            int yy = y + dy;
                            if (xx >= 0 && yy >= 0 && xx < s && yy < s && b[yy * s + xx]) return false;
                        }
                    }
                }
            }
        }
        return true;
    }

    static <T> T pick(SplittableRandom random, T[] options) {
        return options[random.nextInt(options.length)];
    }

    static <T> T pick(SplittableRandom random, List<T> options) {
        if (options.isEmpty()) throw new IllegalStateException("no option to pick from");
        return options.get(random.nextInt(options.size()));
    }
}

package dev.cdiff.toyworld.world;

import dev.cdiff.toyworld.image.ToyImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Entry point of the generator. Sample i of a seed depends only on (seed, i, split), never on how many
 * samples are requested, and uses only integer/IEEE arithmetic, so output is identical on every machine.
 */
public final class ToyWorld {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private final WorldConfig config;
    private final SceneSampler sampler;

    public ToyWorld(WorldConfig config) {
        this.config = config;
        this.sampler = new SceneSampler(config);
    }

    public static ToyWorld defaults() {
        return new ToyWorld(WorldConfig.defaults());
    }

    public WorldConfig config() { return config; }

    public Sample sample(long seed, int index, Split split) {
        SplittableRandom random = randomFor(seed, index, split.ordinal());
        Scene scene = sampler.sample(random, split);
        return new Sample(scene, SceneRenderer.render(scene), CaptionWriter.caption(scene, random));
    }

    public List<Sample> samples(int count, long seed, Split split) {
        List<Sample> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(sample(seed, i, split));
        return out;
    }

    /** Target images of a personal concept with varied size, position and background. */
    public List<Sample> conceptTargets(Concept concept, int count, long seed) {
        List<Sample> out = new ArrayList<>(count);
        int stream = 16 + concept.token().hashCode();
        for (int i = 0; i < count; i++) {
            SplittableRandom random = randomFor(seed, i, stream);
            Scene scene = sampler.sampleConcept(random, concept);
            out.add(new Sample(scene, SceneRenderer.render(scene), CaptionWriter.caption(scene, random)));
        }
        return out;
    }

    /** Scenes holding both concepts side by side (see {@link SceneSampler#sampleConceptPair}), captionless. */
    public List<ToyImage> conceptPairs(Concept first, Concept second, int count, long seed) {
        List<ToyImage> out = new ArrayList<>(count);
        int stream = 32 + 31 * first.token().hashCode() + second.token().hashCode();
        for (int i = 0; i < count; i++) {
            out.add(SceneRenderer.render(sampler.sampleConceptPair(randomFor(seed, i, stream), first, second)));
        }
        return out;
    }

    public ToyImage render(Scene scene) {
        return SceneRenderer.render(scene);
    }

    private static SplittableRandom randomFor(long seed, int index, int stream) {
        long mixed = seed * GOLDEN_GAMMA + index * 0xBF58476D1CE4E5B9L + stream * 0x94D049BB133111EBL;
        return new SplittableRandom(mixed);
    }
}

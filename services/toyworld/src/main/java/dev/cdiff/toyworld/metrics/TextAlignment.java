package dev.cdiff.toyworld.metrics;

import dev.cdiff.toyworld.detect.DetectedObject;
import dev.cdiff.toyworld.detect.DetectedScene;
import dev.cdiff.toyworld.detect.SceneDetector;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact replacement for CLIP text alignment: the share of the prompt's attributes (object count, each object's
 * shape, colour, size, position, concept appearance, background colour and pattern) found in the image.
 * Prompt objects are matched one-to-one to detected objects in the way that satisfies the most attributes.
 */
public final class TextAlignment {
    private static final int MAX_CANDIDATES = 4;
    private final SceneDetector detector;
    private final List<Concept> concepts;

    public TextAlignment() {
        this(new SceneDetector(), Concepts.all());
    }

    public TextAlignment(SceneDetector detector, List<Concept> concepts) {
        this.detector = detector;
        this.concepts = List.copyOf(concepts);
    }

    public double score(String prompt, ToyImage image) {
        return score(PromptParser.parse(prompt), detector.detect(image));
    }

    public double score(PromptSpec spec, DetectedScene scene) {
        if (spec.objects().isEmpty()) {
            throw new IllegalArgumentException("prompt names no shape of the toy world, so it cannot be scored");
        }
        int matched = 0;
        if (spec.objects().size() == scene.objects().size()) matched++;
        if (spec.backgroundColor() != null && spec.backgroundColor() == scene.background().color()) matched++;
        if (spec.backgroundPattern() != null && spec.backgroundPattern() == scene.background().pattern()) matched++;
        List<DetectedObject> candidates = largest(scene.objects(), MAX_CANDIDATES);
        matched += bestAssignment(spec.objects(), candidates, 0, new boolean[candidates.size()]);
        return matched / (double) spec.attributeCount();
    }

    /** Mean score over prompt/image pairs. */
    public double mean(List<PromptedImage> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("no images to score");
        double sum = 0;
        for (PromptedImage p : images) sum += score(p.prompt(), p.image());
        return sum / images.size();
    }

    private int bestAssignment(List<PromptSpec.ObjectSpec> wanted, List<DetectedObject> found, int index, boolean[] used) {
        if (index == wanted.size()) return 0;
        // Leaving a prompt object unmatched is allowed (it then scores nothing).
        int best = bestAssignment(wanted, found, index + 1, used);
        for (int j = 0; j < found.size(); j++) {
            if (used[j]) continue;
            used[j] = true;
            int score = matches(wanted.get(index), found.get(j)) + bestAssignment(wanted, found, index + 1, used);
            used[j] = false;
            best = Math.max(best, score);
        }
        return best;
    }

    int matches(PromptSpec.ObjectSpec want, DetectedObject got) {
        int m = want.shape() == got.shape() ? 1 : 0;
        if (want.color() != null && want.color() == got.color()) m++;
        if (want.size() != null && want.size() == got.size()) m++;
        if (want.position() != null && want.position() == got.position()) m++;
        if (want.concept() != null) {
            Concept concept = concepts.stream().filter(c -> c.token().equals(want.concept())).findFirst().orElse(null);
            if (concept != null && got.hasFill(concept.fill())) m++;
        }
        return m;
    }

    /** Searches only the few largest objects, which bounds the assignment search for noisy generated images. */
    static List<DetectedObject> largest(List<DetectedObject> objects, int limit) {
        return new ArrayList<>(objects.subList(0, Math.min(limit, objects.size())));
    }
}

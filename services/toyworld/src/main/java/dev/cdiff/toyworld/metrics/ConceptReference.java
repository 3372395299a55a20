package dev.cdiff.toyworld.metrics;

import dev.cdiff.toyworld.detect.DetectedObject;
import dev.cdiff.toyworld.detect.DetectedScene;
import dev.cdiff.toyworld.detect.PatternDescriptor;
import dev.cdiff.toyworld.detect.SceneDetector;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Concept;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact replacement for CLIP image alignment: a concept's reference appearance (mean pattern descriptor of the
 * object in its target images) against which generated objects are compared.
 */
public final class ConceptReference {
    private final Concept concept;
    private final PatternDescriptor reference;
    private final SceneDetector detector;

    private ConceptReference(Concept concept, PatternDescriptor reference, SceneDetector detector) {
        this.concept = concept;
        this.reference = reference;
        this.detector = detector;
    }

    /** Builds the reference from the concept's target images; each must show exactly one detectable object. */
    public static ConceptReference fromImages(Concept concept, List<ToyImage> targets, SceneDetector detector) {
        if (targets.isEmpty()) throw new IllegalArgumentException("concept " + concept.token() + " has no reference images");
        List<PatternDescriptor> descriptors = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            DetectedScene scene = detector.detect(targets.get(i));
            if (scene.objects().isEmpty()) {
                throw new IllegalArgumentException("reference image " + i + " of " + concept.token() + " shows no object");
            }
            descriptors.add(scene.objects().get(0).descriptor());
        }
        return new ConceptReference(concept, PatternDescriptor.mean(descriptors), detector);
    }

    public Concept concept() { return concept; }

    public PatternDescriptor descriptor() { return reference; }

    /** Scores the best-matching object of a generated image; an image without objects scores 0. */
    public ImageAlignmentScore score(ToyImage generated) {
        DetectedScene scene = detector.detect(generated);
        ImageAlignmentScore best = new ImageAlignmentScore(0, false, false);
        for (DetectedObject o : scene.objects()) {
            ImageAlignmentScore s = new ImageAlignmentScore(o.descriptor().similarity(reference),
                o.hasFill(concept.fill()), o.shape() == concept.classShape());
            if (s.compareTo(best) > 0) best = s;
        }
        return best;
    }

    /** Each generated image's score, in order (its best-matching object's; 0 without objects). */
    public List<ImageAlignmentScore> scores(List<ToyImage> generated) {
        return generated.stream().map(this::score).toList();
    }

    /** Mean similarity and exact-match rate over generated images. */
    public ImageAlignmentSummary summarize(List<ToyImage> generated) {
        return summarizeScores(scores(generated));
    }

    /** Mean similarity and exact-match rate of scores already computed by {@link #scores}. */
    public static ImageAlignmentSummary summarizeScores(List<ImageAlignmentScore> scores) {
        if (scores.isEmpty()) throw new IllegalArgumentException("no generated images to score");
        double similarity = 0;
        int exact = 0;
        for (ImageAlignmentScore s : scores) {
            similarity += s.similarity();
            if (s.exactMatch()) exact++;
        }
        return new ImageAlignmentSummary(similarity / scores.size(), exact / (double) scores.size(), scores.size());
    }
}

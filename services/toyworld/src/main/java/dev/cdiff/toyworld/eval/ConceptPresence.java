package dev.cdiff.toyworld.eval;

import dev.cdiff.toyworld.detect.DetectedObject;
import dev.cdiff.toyworld.detect.SceneDetector;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.metrics.ConceptReference;
import dev.cdiff.toyworld.world.Concept;
import java.util.List;

/**
 * Whether a generated image contains a concept, judged against what the frozen VAE can render: an object of the
 * concept's class shape whose appearance is at least as similar to the concept's reference as the least similar
 * VAE reconstruction of a real target image. (The exact test, shape + detected fill pattern, is stricter: a VAE
 * that blurs the pattern makes it fail even for perfect latents.)
 */
public final class ConceptPresence {
    private final ConceptReference reference;
    private final double threshold;
    private final SceneDetector detector;

    public ConceptPresence(ConceptReference reference, List<ToyImage> vaeReconstructedTargets, SceneDetector detector) {
        this.reference = reference;
        this.detector = detector;
        double min = Double.POSITIVE_INFINITY;
        for (ToyImage img : vaeReconstructedTargets) min = Math.min(min, reference.score(img).similarity());
        if (!(min > 0)) {
            throw new IllegalStateException("a VAE reconstruction of a " + reference.concept().token()
                + " target shows no object similar to the concept; the presence threshold would be 0");
        }
        this.threshold = min;
    }

    /** The concept this presence test looks for. */
    public Concept concept() {
        return reference.concept();
    }

    public double threshold() {
        return threshold;
    }

    public boolean present(ToyImage image) {
        return present(detector.detect(image).objects());
    }

    public boolean present(List<DetectedObject> objects) {
        for (DetectedObject o : objects) {
            if (o.shape() == reference.concept().classShape()
                && o.descriptor().similarity(reference.descriptor()) >= threshold) {
                return true;
            }
        }
        return false;
    }

    public double share(List<ToyImage> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("no images");
        int n = 0;
        for (ToyImage i : images) if (present(i)) n++;
        return n / (double) images.size();
    }
}

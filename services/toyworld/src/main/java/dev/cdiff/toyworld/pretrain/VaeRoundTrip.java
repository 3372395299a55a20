package dev.cdiff.toyworld.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.toyworld.detect.SceneDetector;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.metrics.ConceptReference;
import dev.cdiff.toyworld.metrics.ImageAlignmentSummary;
import dev.cdiff.toyworld.metrics.PromptedImage;
import dev.cdiff.toyworld.metrics.TextAlignment;
import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encode (posterior mean) then decode: what the frozen VAE lets any diffusion model reach. Its acceptance figures
 * are the ceilings of the evaluation: image alignment of each concept's targets and text alignment of base-world
 * images after the round trip.
 */
public final class VaeRoundTrip {
    /** The evaluation's seed and target count, so the gate measures the same 8 targets as the report's ceiling. */
    static final long TARGET_SEED = 7;
    static final int TARGETS = 8;

    private VaeRoundTrip() {}

    public static List<ToyImage> of(AutoencoderKL vae, List<ToyImage> images, NDManager manager) {
        int size = images.get(0).width();
        int per = 3 * size * size;
        float[] decoded;
        try (NDManager sm = manager.newSubManager()) {
            NDArray x = sm.create(VaePretrainer.pixels(images), new Shape(images.size(), 3, size, size));
            NDArray mean = vae.encode(x).mean();
            mean.attach(sm);
            NDArray rec = vae.decode(mean);
            rec.attach(sm);
            decoded = rec.add(1f).div(2f).toFloatArray();
        }
        List<ToyImage> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            float[] chw = new float[per];
            System.arraycopy(decoded, i * per, chw, 0, per);
            out.add(ToyImage.fromChw(chw, size, size));
        }
        return out;
    }

    /** Image alignment after the round trip per concept token, and text alignment of 64 base-world images. */
    public record Acceptance(Map<String, ImageAlignmentSummary> concepts, double baseTextAlignment) {
        public String describe() {
            StringBuilder b = new StringBuilder();
            concepts.forEach((token, s) -> b.append(String.format(java.util.Locale.ROOT,
                "%s image alignment %.3f (exact %.2f); ", token, s.meanSimilarity(), s.exactMatchRate())));
            return b.append(String.format(java.util.Locale.ROOT, "base-world text alignment %.3f", baseTextAlignment))
                .toString();
        }
    }

    public static Acceptance acceptance(AutoencoderKL vae, ToyWorld world, NDManager manager) {
        SceneDetector detector = new SceneDetector();
        Map<String, ImageAlignmentSummary> concepts = new LinkedHashMap<>();
        for (Concept c : Concepts.all()) {
            List<ToyImage> targets = new ArrayList<>();
            for (Sample s : world.conceptTargets(c, TARGETS, TARGET_SEED)) targets.add(s.image());
            concepts.put(c.token(), ConceptReference.fromImages(c, targets, detector).summarize(of(vae, targets, manager)));
        }
        List<Sample> base = world.samples(64, 4243, Split.TRAIN);
        List<ToyImage> images = new ArrayList<>();
        for (Sample s : base) images.add(s.image());
        List<ToyImage> decoded = of(vae, images, manager);
        List<PromptedImage> prompted = new ArrayList<>();
        for (int i = 0; i < base.size(); i++) prompted.add(new PromptedImage(base.get(i).caption(), decoded.get(i)));
        return new Acceptance(concepts, new TextAlignment().mean(prompted));
    }
}

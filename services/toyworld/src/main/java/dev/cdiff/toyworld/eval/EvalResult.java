package dev.cdiff.toyworld.eval;

import dev.cdiff.diffusion.merge.MergeDiagnostics;
import dev.cdiff.toyworld.metrics.MeanInterval;
import dev.cdiff.toyworld.metrics.PromptedImage;
import java.util.List;

/**
 * Everything one evaluation run measured; every number comes from generated images scored by the detectors.
 * {@code single} and {@code ablations} are the first concept's; {@code second} holds the second concept's own
 * single-concept rows (how often each concept appears when it is the only one asked for).
 */
public record EvalResult(EvalSettings settings, String modelDir, List<BaseAlignment> baseAlignment,
                         VaeCeiling vaeCeiling, VaeCeiling secondVaeCeiling,
                         List<SingleConcept> single, List<SingleConcept> ablations, List<MultiConcept> multi,
                         List<Compression> compression, List<SingleConcept> second, List<TrajectoryPoint> trajectory,
                         double totalSeconds) {
    public EvalResult {
        second = List.copyOf(second);
        trajectory = List.copyOf(trajectory);
    }

    /**
     * Custom Diffusion + reg on the first concept, scored on its concept prompts at one checkpoint of a run twice as
     * long as the single-concept budget: where the image alignment goes as the run goes on.
     */
    public record TrajectoryPoint(int step, double imageSimilarity, double exactMatchRate, double present, double loss) {}

    /**
     * Image alignment of the concept's target images after a VAE encode/decode round trip: no method that keeps
     * the VAE frozen (all of them) can be expected to exceed it.
     */
    public record VaeCeiling(double imageSimilarity, double exactMatchRate, double presenceThreshold,
                             List<PromptedImage> images) {}

    /** The base model's text alignment on unseen captions of one split. */
    public record BaseAlignment(String split, int prompts, double textAlignment, List<PromptedImage> images) {}

    /**
     * One single-concept method. classAlignment = text alignment on plain class prompts (forgetting basis);
     * forgetting = base classAlignment minus this one's.
     */
    public record SingleConcept(String method, boolean regularized, double textAlignment, double imageSimilarity,
                                double exactMatchRate, double present, double classAlignment, double forgetting, long trainedParameters,
                                long deltaBytes, double trainSeconds, double finalLoss, List<PromptedImage> conceptImages,
                                List<PromptedImage> classImages, MeanInterval imageSimilarityInterval) {}

    /**
     * One way of getting two concepts into one model, scored on composition prompts; diagnostics = the closed-form
     * merge's per-layer constraint residuals and drift (null for the rows that are not a merge). {@code bothShapes}:
     * share of samples with an object of each concept's class shape, whatever its appearance (what composing the two
     * shapes reaches before any concept is learnt).
     */
    public record MultiConcept(String method, double bothPresent, double firstPresent, double secondPresent,
                               double bothExact, double bothShapes, double textAlignment, double seconds,
                               List<PromptedImage> images, MergeDiagnostics diagnostics) {}

    /** The Custom Diffusion delta (with regularization) compressed to a rank; rank 0 = the full delta. */
    public record Compression(int rank, double parameterFraction, long deltaBytes, double imageSimilarity,
                              double exactMatchRate, double textAlignment, List<PromptedImage> images) {}
}

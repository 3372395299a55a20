package dev.cdiff.toyworld.eval;

import dev.cdiff.diffusion.merge.MergeDiagnostics;
import dev.cdiff.toyworld.metrics.MeanInterval;
import dev.cdiff.toyworld.metrics.PromptedImage;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.ArrayList;
import java.util.List;

/** Evaluation results built by hand (real toy-world images, made-up numbers) for the report tests: no model runs. */
final class HandBuiltResults {
    static final List<String> CONCEPT_PROMPTS = List.of("a <new1> circle", "a <new1> circle on a blue background",
        "a large <new1> circle", "a <new1> circle on the left");
    static final List<String> COMPOSITION_PROMPTS = List.of("a <new1> circle and a <new2> square",
        "a <new1> circle on the left and a <new2> square on the right");
    static final List<String> SECOND_PROMPTS = List.of("a <new2> square", "a large <new2> square");
    static final int PER_PROMPT = 2;
    /** Image alignment 0.5, 0.81, 0.7, 0.79: the target 0.8 reached at one checkpoint of four. */
    static final List<EvalResult.TrajectoryPoint> TRAJECTORY = List.of(new EvalResult.TrajectoryPoint(50, 0.5, 0, 0, 0.6),
        new EvalResult.TrajectoryPoint(100, 0.81, 0.25, 0.125, 0.4), new EvalResult.TrajectoryPoint(150, 0.7, 0, 0.05, 0.5),
        new EvalResult.TrajectoryPoint(200, 0.79, 0.1, 0.1, 0.45));

    private HandBuiltResults() {}

    static List<PromptedImage> images(int n) {
        List<PromptedImage> out = new ArrayList<>();
        for (var s : ToyWorld.defaults().samples(n, 1, Split.TRAIN)) out.add(new PromptedImage(s.caption(), s.image()));
        return out;
    }

    /** {@link #PER_PROMPT} samples per prompt, prompt-major, as the evaluation's sampler returns them. */
    static List<PromptedImage> prompted(List<String> prompts) {
        List<PromptedImage> out = new ArrayList<>();
        var samples = ToyWorld.defaults().samples(prompts.size() * PER_PROMPT, 2, Split.TRAIN);
        for (int i = 0; i < samples.size(); i++) out.add(new PromptedImage(prompts.get(i / PER_PROMPT), samples.get(i).image()));
        return out;
    }

    static EvalResult.SingleConcept single(String method, boolean reg, double image, double forgetting) {
        List<PromptedImage> concept = prompted(CONCEPT_PROMPTS);
        return new EvalResult.SingleConcept(method, reg, 0.85, image, 0.5, 0.7, 0.88, forgetting, 67648, 273456, 30, 0.1,
            concept, images(4), null);
    }

    static MergeDiagnostics diagnostics(double worstFirst) {
        return new MergeDiagnostics(MergeDiagnostics.VERSION, List.of("<new1> circle", "<new2> square"), 1000, List.of(
            new MergeDiagnostics.Layer("down.0.attn2.to_k", 64, 64, 0.5, 0.021, 0.0125, List.of(1.5e-4, 2.5e-3)),
            new MergeDiagnostics.Layer("down.0.attn2.to_v", 64, 64, 0.7, 0.034, 0.0375, List.of(worstFirst, Double.NaN))));
    }

    static EvalResult result(double mergeBoth, double cdImage) {
        return result(mergeBoth, cdImage, List.of(
            single("Custom Diffusion (K/V + token), no modifier token", true, 0.31, 0.02),
            single("Custom Diffusion (K/V + token), generated reg images", true, 0.33, 0.03),
            single("Custom Diffusion (K/V + token), with augmentation", true, 0.29, 0.04)));
    }

    static EvalResult result(double mergeBoth, double cdImage, List<EvalResult.SingleConcept> ablations) {
        List<PromptedImage> imgs = images(4);
        List<PromptedImage> composition = prompted(COMPOSITION_PROMPTS);
        return new EvalResult(EvalSettings.defaults(), "models/toy-base",
            List.of(new EvalResult.BaseAlignment("TRAIN", 4, 0.85, imgs), new EvalResult.BaseAlignment("HELD_OUT", 4, 0.7, imgs)),
            new EvalResult.VaeCeiling(0.9, 0.75, 0.6, imgs), new EvalResult.VaeCeiling(0.8, 0.5, 0.55, imgs),
            List.of(new EvalResult.SingleConcept("base (no training)", false, 0.6, 0.3, 0, 0.1, 0.9, 0, 0, 0, 0, Float.NaN,
                    prompted(CONCEPT_PROMPTS), imgs, null),
                new EvalResult.SingleConcept("Custom Diffusion (K/V + token)", false, 0.85, cdImage, 0.5, 0.7, 0.88, 0.02, 67648, 273456, 30, 0.1, imgs, imgs, null),
                new EvalResult.SingleConcept("Custom Diffusion (K/V + token)", true, 0.86, cdImage, 0.5, 0.75, 0.89, 0.01, 67648, 273456, 40, 0.1,
                    prompted(CONCEPT_PROMPTS), imgs, new MeanInterval(cdImage, cdImage - 0.031, cdImage + 0.024, 0.9, 24)),
                new EvalResult.SingleConcept("full UNet + token", false, 0.8, 0.9, 0.7, 0.9, 0.6, 0.3, 2380580, 9556344, 60, 0.1, imgs, imgs, null)),
            ablations,
            List.of(new EvalResult.MultiConcept(ToyEvaluation.PAIR_CEILING_LABEL, 0.45, 0.75, 0.6, 0.3, 1.0, 0.9, 0,
                    imgs, null),
                new EvalResult.MultiConcept(ToyEvaluation.BASE_COMPOSITION_LABEL, 0.0, 0.0, 0.0, 0.0, 0.75, 0.7, 0,
                    composition, null),
                new EvalResult.MultiConcept(ToyEvaluation.BASE_INITIALIZER_LABEL, 0.0, 0.0, 0.0, 0.0, 0.2, 0.5, 0,
                    composition, null),
                new EvalResult.MultiConcept(ToyEvaluation.JOINT_LABEL, 0.7, 0.8, 0.8, 0.1, 0.9, 0.8, 50, composition, null),
                new EvalResult.MultiConcept(ToyEvaluation.JOINT_TOKENS_LABEL, 0.0, 0.1, 0.0, 0.0, 0.15, 0.6, 20,
                    composition, null),
                new EvalResult.MultiConcept(ToyEvaluation.MERGE_LABEL, mergeBoth, 0.8, 0.7, 0.05, 0.85, 0.8, 1, composition,
                    diagnostics(0.125)),
                new EvalResult.MultiConcept(ToyEvaluation.MERGE_LABEL + ", template captions", 0.4, 0.9, 0.45, 0.0, 0.5, 0.7,
                    2, composition, diagnostics(0.5)),
                new EvalResult.MultiConcept("single model <new1> only", 0.0, 0.9, 0.0, 0.0, 0.25, 0.5, 0, imgs, null)),
            List.of(new EvalResult.Compression(4, 0.1, 30000, 0.8, 0.4, 0.85, imgs)),
            List.of(new EvalResult.SingleConcept("base (no training)", false, 0.55, 0.2, 0, 0, 0.9, 0, 0, 0, 0, Float.NaN,
                    prompted(SECOND_PROMPTS), imgs, null),
                new EvalResult.SingleConcept("Custom Diffusion (K/V + token)", true, 0.7, 0.45, 0.1, 0.05, 0.85, 0.05, 67648,
                    273456, 40, 0.2, prompted(SECOND_PROMPTS), imgs, null),
                new EvalResult.SingleConcept("full UNet + token", true, 0.6, 0.5, 0.2, 0.125, 0.8, 0.1, 2380580, 9556344,
                    60, 0.2, prompted(SECOND_PROMPTS), imgs, null)),
            TRAJECTORY, 600);
    }
}

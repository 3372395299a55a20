package dev.cdiff.toyworld.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.text.AddedTokens;
import dev.cdiff.diffusion.merge.ClosedFormMerge;
import dev.cdiff.diffusion.merge.RegularizationCaptions;
import dev.cdiff.diffusion.training.CustomDiffusionTrainer;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaApplier;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.diffusion.delta.LowRankDelta;
import dev.cdiff.diffusion.training.TrainingConfig;
import dev.cdiff.diffusion.training.TrainingMode;
import dev.cdiff.diffusion.training.TrainingModels;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.toyworld.corpus.CorpusWriter;
import dev.cdiff.toyworld.detect.DetectedObject;
import dev.cdiff.toyworld.detect.SceneDetector;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.diffusion.merge.MergeDiagnostics;
import dev.cdiff.toyworld.metrics.ConceptReference;
import dev.cdiff.toyworld.pretrain.VaeRoundTrip;
import dev.cdiff.toyworld.metrics.Forgetting;
import dev.cdiff.toyworld.metrics.ImageAlignmentScore;
import dev.cdiff.toyworld.metrics.ImageAlignmentSummary;
import dev.cdiff.toyworld.metrics.MeanInterval;
import dev.cdiff.toyworld.metrics.PromptedImage;
import dev.cdiff.toyworld.metrics.TextAlignment;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Position;
import dev.cdiff.toyworld.world.Shape;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Runs the toy-world evaluation of Custom Diffusion against its baselines on a pretrained toy base model:
 * single concept (base, textual inversion, Custom Diffusion, full UNet; with and without regularization),
 * two concepts (joint training, closed-form merge, each single model) and low-rank compression of the delta.
 * All training goes through the core's {@link CustomDiffusionTrainer}, merging through {@link ClosedFormMerge}.
 */
public final class ToyEvaluation {
    /** The closed-form merge constrained by the corpus captions; the report's checks read this row. */
    static final String MERGE_LABEL = "closed-form merge";
    /** The multi-concept row of the base model on colour-word prompts (no concept learnt). */
    static final String BASE_COMPOSITION_LABEL = "base model, colour words for the tokens";
    /** The multi-concept row of the base model with both tokens added at their initializer words (no training). */
    static final String BASE_INITIALIZER_LABEL = "base model, both tokens at their initializer words";
    static final String JOINT_LABEL = "joint training";
    /** Joint training of the two token rows alone (UNet frozen): what the tokens do to composition by themselves. */
    static final String JOINT_TOKENS_LABEL = "tokens only (textual inversion), both concepts";
    static final String PAIR_CEILING_LABEL = "VAE round trip of real two-concept scenes";
    /** Real two-concept scenes in the composition ceiling: enough for a share to about +-0.07 (one standard error). */
    static final int PAIR_CEILING_SCENES = 48;
    /** Progress lines for the user. */
    @FunctionalInterface
    public interface Progress {
        void log(String message);
    }

    private final Path modelDir;
    private final Path workDir;
    private final EvalSettings settings;
    private final Progress progress;
    private final ToyWorld world = ToyWorld.defaults();
    private final SceneDetector detector = new SceneDetector();
    private final TextAlignment textAlignment = new TextAlignment();
    private final ModelSampler sampler;
    private ConceptPresence firstPresence;
    private ConceptPresence secondPresence;
    /** Checkpoints per single-concept budget in the trajectory run, which goes on to twice that budget. */
    static final int TRAJECTORY_POINTS_PER_BUDGET = 6;

    public ToyEvaluation(Path modelDir, Path workDir, EvalSettings settings, Progress progress) {
        this.modelDir = modelDir;
        this.workDir = workDir;
        this.settings = settings;
        this.progress = progress;
        JsonNode scheduler = ModelFolder.readConfig(new ModelFolder(modelDir).schedulerDir());
        this.sampler = new ModelSampler(scheduler, settings.samplingSteps(), settings.guidance());
    }

    public EvalResult run(NDManager root) throws IOException {
        long start = System.currentTimeMillis();
        Files.createDirectories(workDir);
        progress.log("writing the base-world corpus (" + settings.corpusSize() + " images) for regularization");
        List<Sample> corpus = CorpusWriter.write(workDir.resolve("corpus"), world, settings.corpusSize(),
            settings.seed(), Split.TRAIN);
        ConceptData first = ConceptData.of(Concepts.CHECKER_CIRCLE, world, corpus, settings.targetImages(),
            settings.regImages(), settings.seed());
        ConceptData second = ConceptData.of(Concepts.STRIPED_SQUARE, world, corpus, settings.targetImages(),
            settings.regImages(), settings.seed());

        List<EvalResult.BaseAlignment> base = baseAlignment(root);
        EvalResult.VaeCeiling ceiling = vaeCeiling(first, root);
        EvalResult.VaeCeiling secondCeiling = vaeCeiling(second, root);
        firstPresence = presence(first, ceiling);
        secondPresence = presence(second, secondCeiling);

        List<EvalResult.SingleConcept> single = new ArrayList<>();
        EvalResult.SingleConcept baseRow = untrained(first, root);
        single.add(baseRow);
        Delta customDelta = null;
        for (TrainingMode mode : List.of(TrainingMode.TEXTUAL_INVERSION, TrainingMode.CUSTOM_DIFFUSION, TrainingMode.FULL_UNET)) {
            for (boolean reg : List.of(false, true)) {
                Trained t = trainSingle(first, mode, reg, baseRow, root);
                single.add(t.row());
                if (mode == TrainingMode.CUSTOM_DIFFUSION && reg) customDelta = t.delta();
            }
        }

        List<EvalResult.SingleConcept> ablations = ablations(first, baseRow, root);
        List<EvalResult.TrajectoryPoint> trajectory = trajectory(first, root);

        // the second concept alone, on its own prompts, as the first's table: how often each concept appears when it
        // is the only one asked for is the first thing a two-concept model's "both present" depends on
        List<EvalResult.SingleConcept> secondRows = new ArrayList<>();
        EvalResult.SingleConcept secondBase = untrained(second, root);
        secondRows.add(secondBase);
        Trained secondCustom = trainSingle(second, TrainingMode.CUSTOM_DIFFUSION, true, secondBase, root);
        secondRows.add(secondCustom.row());
        secondRows.add(trainSingle(second, TrainingMode.FULL_UNET, true, secondBase, root).row());

        List<EvalResult.MultiConcept> multi = multiConcept(first, second, customDelta, secondCustom.delta(), corpus, root);
        List<EvalResult.Compression> compression = compression(first, customDelta, root);
        return new EvalResult(settings, modelDir.toString(), base, ceiling, secondCeiling, single, ablations, multi, compression,
            secondRows, trajectory, (System.currentTimeMillis() - start) / 1000.0);
    }

    /**
     * Custom Diffusion + reg on {@code concept} for twice the single-concept budget, scored on the concept prompts at
     * every checkpoint (the budget itself among them) from its delta applied to a fresh base model. The learning rate
     * is constant, so the run up to the budget is the single-concept table's run, step for step.
     */
    private List<EvalResult.TrajectoryPoint> trajectory(ConceptData concept, NDManager root) {
        SortedSet<Integer> checkpoints = trajectoryCheckpoints(settings.steps());
        int last = checkpoints.last();
        progress.log("trajectory: Custom Diffusion + reg on " + concept.token() + ", " + last + " steps, scored at "
            + checkpoints.size() + " checkpoints");
        List<EvalResult.TrajectoryPoint> out = new ArrayList<>();
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            TrainingConfig config = config(List.of(concept), TrainingMode.CUSTOM_DIFFUSION, true, last);
            try (CustomDiffusionTrainer trainer = new CustomDiffusionTrainer(models, config, m)) {
                for (int step : checkpoints) {
                    trainer.trainUntil(step, this::trainingStep);
                    Delta delta = trainer.toDelta();
                    try (NDManager sm = root.newSubManager(); TrainingModels fresh = TrainingModels.load(modelDir, sm)) {
                        DeltaApplier.apply(delta, fresh);
                        List<ToyImage> images = images(sampler.sample(fresh, concept.conceptPrompts(),
                            settings.imagesPerPrompt(), settings.seed(), sm));
                        ImageAlignmentSummary ia = reference(concept).summarize(images);
                        double present = presenceOf(concept).share(images);
                        progress.log(String.format(java.util.Locale.ROOT, "  step %d: image %.3f (exact %.2f, present "
                            + "%.2f), loss %.4f", step, ia.meanSimilarity(), ia.exactMatchRate(), present, trainer.lastLoss()));
                        out.add(new EvalResult.TrajectoryPoint(step, ia.meanSimilarity(), ia.exactMatchRate(), present,
                            trainer.lastLoss()));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Every steps/{@value #TRAJECTORY_POINTS_PER_BUDGET} steps (at least every step) up to twice the budget, with the
     * budget and the last step always among them.
     */
    static SortedSet<Integer> trajectoryCheckpoints(int steps) {
        int every = Math.max(1, steps / TRAJECTORY_POINTS_PER_BUDGET);
        int last = 2 * steps;
        SortedSet<Integer> checkpoints = new TreeSet<>();
        for (int step = every; step <= last; step += every) checkpoints.add(step);
        checkpoints.add(steps);
        checkpoints.add(last);
        return checkpoints;
    }

    /** The presence detector of the concept with this token (the first or the second). */
    private ConceptPresence presenceOf(ConceptData concept) {
        return concept.token().equals(firstPresence.concept().token()) ? firstPresence : secondPresence;
    }

    private List<EvalResult.BaseAlignment> baseAlignment(NDManager root) {
        List<EvalResult.BaseAlignment> out = new ArrayList<>();
        for (Split split : Split.values()) {
            List<String> prompts = new ArrayList<>();
            // seed offset: captions unseen in pretraining (which drew scenes from per-step random seeds)
            for (Sample s : world.samples(settings.heldOutPrompts(), settings.seed() + 1_000_003L, split)) {
                prompts.add(s.caption());
            }
            progress.log("base model: sampling " + prompts.size() + " unseen " + split + " captions");
            try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
                List<PromptedImage> images = sampler.sampleEach(models, prompts, 16, settings.seed(), m);
                double ta = textAlignment.mean(images);
                progress.log(String.format(java.util.Locale.ROOT, "base text alignment %s = %.3f", split, ta));
                out.add(new EvalResult.BaseAlignment(split.name(), prompts.size(), ta, images));
            }
        }
        return out;
    }

    private EvalResult.VaeCeiling vaeCeiling(ConceptData concept, NDManager root) {
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            List<PromptedImage> out = new ArrayList<>();
            for (ToyImage decoded : VaeRoundTrip.of(models.vae(), concept.targets(), m)) {
                out.add(new PromptedImage(concept.instancePrompt(), decoded));
            }
            ImageAlignmentSummary ia = reference(concept).summarize(images(out));
            double threshold = new ConceptPresence(reference(concept), images(out), detector).threshold();
            progress.log(String.format(java.util.Locale.ROOT, "VAE round trip of the %d %s target images: image alignment "
                + "%.3f (exact %.2f), presence threshold %.3f", out.size(), concept.token(), ia.meanSimilarity(),
                ia.exactMatchRate(), threshold));
            return new EvalResult.VaeCeiling(ia.meanSimilarity(), ia.exactMatchRate(), threshold, out);
        }
    }

    private ConceptPresence presence(ConceptData concept, EvalResult.VaeCeiling ceiling) {
        return new ConceptPresence(reference(concept), images(ceiling.images()), detector);
    }

    private record Trained(EvalResult.SingleConcept row, Delta delta) {}

    /** The base model with the concept token added at its initializer word's embedding (no training). */
    private EvalResult.SingleConcept untrained(ConceptData concept, NDManager root) {
        progress.log("single concept " + concept.token() + ": base model (token = initializer word '"
            + concept.toy().initializerWord() + "')");
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            addAtInitializer(models, concept);
            return measureSingle("base (no training)", false, concept, concept.conceptPrompts(), models, null, 0, 0, 0,
                Float.NaN, m);
        }
    }

    /** Adds each concept's token to the tokenizer and text encoder, its row a copy of its initializer word's row. */
    private static void addAtInitializer(TrainingModels models, ConceptData... concepts) {
        List<String> tokens = new ArrayList<>();
        List<String> words = new ArrayList<>();
        for (ConceptData concept : concepts) {
            tokens.add(concept.token());
            words.add(concept.toy().initializerWord());
        }
        AddedTokens.add(models.tokenizer(), models.textEncoder(),
            AddedTokens.atInitializers(models.tokenizer(), models.textEncoder(), tokens, words),
            "measure on a freshly loaded base model");
    }

    private Trained trainSingle(ConceptData concept, TrainingMode mode, boolean reg, EvalResult.SingleConcept base,
                                NDManager root) throws IOException {
        String label = methodName(mode);
        progress.log("single concept " + concept.token() + ": training " + label + (reg ? " with" : " without")
            + " regularization, " + settings.steps() + " steps");
        return trainAndMeasure(label, reg, concept, concept.conceptPrompts(), base,
            config(List.of(concept), mode, reg, settings.steps()),
            slug(concept.token()) + "-" + slug(label) + (reg ? "-reg" : ""), root);
    }

    /** Trains from a fresh base model, writes the delta as delta-{fileSlug}.safetensors, samples and scores it. */
    private Trained trainAndMeasure(String label, boolean reg, ConceptData concept, List<String> prompts,
                                    EvalResult.SingleConcept base, TrainingConfig config, String fileSlug,
                                    NDManager root) throws IOException {
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            long t0 = System.currentTimeMillis();
            Delta delta;
            float loss;
            try (CustomDiffusionTrainer trainer = new CustomDiffusionTrainer(models, config, m)) {
                trainer.train(this::trainingStep);
                delta = trainer.toDelta();
                loss = trainer.lastLoss();
            }
            double seconds = (System.currentTimeMillis() - t0) / 1000.0;
            Path file = workDir.resolve("delta-" + fileSlug + ".safetensors");
            delta.write(file);
            EvalResult.SingleConcept row = measureSingle(label, reg, concept, prompts, models, base,
                parameters(delta), Files.size(file), seconds, loss, m);
            return new Trained(row, delta);
        }
    }

    private EvalResult.SingleConcept measureSingle(String label, boolean reg, ConceptData concept, List<String> prompts,
                                                   TrainingModels models, EvalResult.SingleConcept base, long params,
                                                   long bytes, double seconds, float loss, NDManager m) {
        List<PromptedImage> conceptImages = sampler.sample(models, prompts, settings.imagesPerPrompt(), settings.seed(), m);
        List<PromptedImage> classImages = sampler.sample(models, concept.classPrompts(), settings.classImagesPerPrompt(),
            settings.seed() + 100, m);
        // scored once: the summary and its bootstrap interval read the same per-image scores
        List<ImageAlignmentScore> scores = reference(concept).scores(images(conceptImages));
        ImageAlignmentSummary ia = ConceptReference.summarizeScores(scores);
        double present = presenceOf(concept).share(images(conceptImages));
        double ta = textAlignment.mean(conceptImages);
        double classTa = textAlignment.mean(classImages);
        double forgetting = base == null ? 0
            : new Forgetting(textAlignment).measure(base.classImages(), classImages).drop();
        progress.log(String.format(java.util.Locale.ROOT,
            "  %s%s: text %.3f, image %.3f (exact %.2f, present %.2f), class text %.3f, forgetting %.3f, %d params, %.1f s",
            label, reg ? " +reg" : "", ta, ia.meanSimilarity(), ia.exactMatchRate(), present, classTa, forgetting, params, seconds));
        MeanInterval iaInterval = MeanInterval.bootstrap(
            scores.stream().mapToDouble(ImageAlignmentScore::similarity).toArray(), Headlines.INTERVAL_LEVEL,
            Headlines.BOOTSTRAP_RESAMPLES, settings.seed());
        return new EvalResult.SingleConcept(label, reg, ta, ia.meanSimilarity(), ia.exactMatchRate(), present, classTa,
            forgetting, params, bytes, seconds, loss, conceptImages, classImages, iaInterval);
    }

    /**
     * The paper's ablations of Custom Diffusion + reg, each changing one thing: no modifier token (targets captioned
     * "a circle", sampled with the concept prompts minus the token), regularization images generated by the base
     * model from the same captions instead of real ones, and augmentation switched to the other setting.
     */
    private List<EvalResult.SingleConcept> ablations(ConceptData concept, EvalResult.SingleConcept base, NDManager root)
            throws IOException {
        List<EvalResult.SingleConcept> out = new ArrayList<>();
        TrainingMode mode = TrainingMode.CUSTOM_DIFFUSION;
        String cd = methodName(mode);
        out.add(trainAblation(cd + ", no modifier token", concept.conceptPromptsWithoutToken(), concept, base,
            config(List.of(concept.forTrainingWithoutModifierToken(true)), mode, true, settings.steps(), settings.augment()),
            root));
        ConceptData generated = concept.withRegImages(generatedRegImages(concept, root));
        out.add(trainAblation(cd + ", generated reg images", concept.conceptPrompts(), generated, base,
            config(List.of(generated.forTraining(true)), mode, true, settings.steps(), settings.augment()), root));
        boolean other = !settings.augment();
        out.add(trainAblation(cd + (other ? ", with augmentation" : ", without augmentation"), concept.conceptPrompts(),
            concept, base, config(List.of(concept.forTraining(true)), mode, true, settings.steps(), other), root));
        return out;
    }

    /** The base model's own images for the concept's regularization captions (the paper's "generated" variant). */
    private List<ToyImage> generatedRegImages(ConceptData concept, NDManager root) {
        progress.log("ablation: sampling " + concept.regCaptions().size() + " regularization images from the base model");
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            return images(sampler.sampleEach(models, concept.regCaptions(), 16, settings.seed() + 300, m));
        }
    }

    private EvalResult.SingleConcept trainAblation(String label, List<String> prompts, ConceptData concept,
                                                   EvalResult.SingleConcept base, TrainingConfig config, NDManager root)
            throws IOException {
        progress.log("ablation: training " + label + " with regularization, " + settings.steps() + " steps");
        return trainAndMeasure(label, true, concept, prompts, base, config, slug(label), root).row();
    }

    private List<EvalResult.MultiConcept> multiConcept(ConceptData first, ConceptData second, Delta firstDelta,
                                                       Delta secondDelta, List<Sample> corpus, NDManager root) {
        List<String> prompts = compositionPrompts(first, second);
        List<EvalResult.MultiConcept> out = new ArrayList<>();

        // what the frozen VAE lets through: real scenes of both concepts (each of random size, side by side), encoded
        // and decoded. A generator whose latents were exactly those of a real scene would score this, so it bounds
        // *both present* for every method here, as the single-concept round trip bounds image alignment
        progress.log("multi-concept: VAE round trip of " + PAIR_CEILING_SCENES + " real two-concept scenes");
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            String prompt = prompts.get(0);
            List<PromptedImage> decoded = new ArrayList<>();
            for (ToyImage img : VaeRoundTrip.of(models.vae(),
                    world.conceptPairs(first.toy(), second.toy(), PAIR_CEILING_SCENES, settings.seed()), m)) {
                decoded.add(new PromptedImage(prompt, img));
            }
            out.add(measureMulti(PAIR_CEILING_LABEL, first, second, decoded, 0, null));
        }

        // the measured ceiling of every row below: how often the base model draws the two class shapes side by side
        // when each token is replaced by a plain colour word the world knows
        progress.log("multi-concept: the base model on the same prompts with colour words for the tokens");
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            out.add(measureMulti(BASE_COMPOSITION_LABEL, first, second, plainCompositionPrompts(first, second), models, 0,
                null, m));
        }

        // the same prompts before any training: what the two new tokens do to composition at their starting rows
        progress.log("multi-concept: the base model with both tokens at their initializer words");
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            addAtInitializer(models, first, second);
            out.add(measureMulti(BASE_INITIALIZER_LABEL, first, second, prompts, models, 0, null, m));
        }

        out.add(jointTraining(JOINT_LABEL, TrainingMode.CUSTOM_DIFFUSION, first, second, prompts, root));
        // the K/V frozen: separates what the learnt token rows alone do to composition from what the K/V update does
        out.add(jointTraining(JOINT_TOKENS_LABEL, TrainingMode.TEXTUAL_INVERSION, first, second, prompts, root));

        List<String> corpusCaptions = new ArrayList<>();
        for (Sample s : corpus) corpusCaptions.add(s.caption());
        // the real corpus captions (as the merging service uses), then the template fallback of the same size: the
        // difference is what constraining the merge with the world's own wording is worth
        Map<String, List<String>> captionSets = new LinkedHashMap<>();
        captionSets.put(MERGE_LABEL, corpusCaptions);
        captionSets.put(MERGE_LABEL + ", template captions",
            RegularizationCaptions.generated(Math.max(1, corpusCaptions.size()), 0));
        for (Map.Entry<String, List<String>> set : captionSets.entrySet()) {
            progress.log("multi-concept: " + set.getKey() + " of the two single-concept deltas");
            try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
                long t0 = System.currentTimeMillis();
                ClosedFormMerge.Result merged = ClosedFormMerge.merge(List.of(firstDelta, secondDelta), models,
                    ClosedFormMerge.Options.defaults().withCaptions(set.getValue()));
                double seconds = (System.currentTimeMillis() - t0) / 1000.0;
                progress.log(String.format(java.util.Locale.ROOT, "  merge: %d captions, %d regularization rows, %d"
                        + " target rows, max constraint error %.2e, worst residual %.2e / %.2e, max drift %.3g, %.1f s",
                    set.getValue().size(), merged.report().regularizationRows(), merged.report().targetRows(),
                    merged.report().maxConstraintError(), merged.diagnostics().worstResidual(0).residual(),
                    merged.diagnostics().worstResidual(1).residual(), merged.diagnostics().maxRegularizationDrift(),
                    seconds));
                out.add(measureMulti(set.getKey(), first, second, prompts, models, seconds, merged.diagnostics(), m));
            }
        }

        Delta[] singles = {firstDelta, secondDelta};
        ConceptData[] concepts = {first, second};
        for (int i = 0; i < 2; i++) {
            try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
                DeltaApplier.apply(singles[i], models);
                out.add(measureMulti("single model " + concepts[i].token() + " only", first, second, prompts, models, 0,
                    null, m));
            }
        }
        return out;
    }

    private EvalResult.MultiConcept jointTraining(String label, TrainingMode mode, ConceptData first, ConceptData second,
                                                  List<String> prompts, NDManager root) {
        progress.log("multi-concept: " + label + ", " + settings.jointSteps() + " steps");
        try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
            long t0 = System.currentTimeMillis();
            TrainingConfig config = config(List.of(first, second), mode, true, settings.jointSteps());
            try (CustomDiffusionTrainer trainer = new CustomDiffusionTrainer(models, config, m)) {
                trainer.train(this::trainingStep);
            }
            return measureMulti(label, first, second, prompts, models, (System.currentTimeMillis() - t0) / 1000.0, null, m);
        }
    }

    static List<String> compositionPrompts(ConceptData a, ConceptData b) {
        return compositionPrompts(a.token() + " " + a.toy().classWord(), b.token() + " " + b.toy().classWord());
    }

    /** The composition prompts with each token replaced by its concept's first colour: "a red circle and a green square". */
    static List<String> plainCompositionPrompts(ConceptData a, ConceptData b) {
        return compositionPrompts(a.toy().fill().primary().word() + " " + a.toy().classWord(),
            b.toy().fill().primary().word() + " " + b.toy().classWord());
    }

    private static List<String> compositionPrompts(String x, String y) {
        return List.of("a " + x + " and a " + y,
            "a " + x + " " + Position.LEFT.phrase() + " and a " + y + " " + Position.RIGHT.phrase(),
            "a " + x + " and a " + y + " on a white background");
    }

    private EvalResult.MultiConcept measureMulti(String label, ConceptData first, ConceptData second, List<String> prompts,
                                                 TrainingModels models, double seconds,
                                                 MergeDiagnostics diagnostics, NDManager m) {
        List<PromptedImage> images = sampler.sample(models, prompts, settings.imagesPerPrompt(), settings.seed() + 200, m);
        return measureMulti(label, first, second, images, seconds, diagnostics);
    }

    private EvalResult.MultiConcept measureMulti(String label, ConceptData first, ConceptData second,
                                                 List<PromptedImage> images, double seconds,
                                                 MergeDiagnostics diagnostics) {
        int both = 0;
        int bothExact = 0;
        int bothShapes = 0;
        int a = 0;
        int b = 0;
        for (PromptedImage p : images) {
            List<DetectedObject> objects = detector.detect(p.image()).objects();
            boolean hasA = firstPresence.present(objects);
            boolean hasB = secondPresence.present(objects);
            if (hasA) a++;
            if (hasB) b++;
            if (hasA && hasB) both++;
            if (objects.stream().anyMatch(o -> o.matches(first.toy())) && objects.stream().anyMatch(o -> o.matches(second.toy()))) {
                bothExact++;
            }
            if (hasBothShapes(objects, first.toy().classShape(), second.toy().classShape())) bothShapes++;
        }
        double n = images.size();
        double ta = textAlignment.mean(images);
        progress.log(String.format(java.util.Locale.ROOT, "  %s: both present %.2f (%s %.2f, %s %.2f; both exact %.2f; "
            + "both shapes %.2f), text %.3f", label, both / n, first.token(), a / n, second.token(), b / n, bothExact / n,
            bothShapes / n, ta));
        return new EvalResult.MultiConcept(label, both / n, a / n, b / n, bothExact / n, bothShapes / n, ta, seconds,
            images, diagnostics);
    }

    /** An object of each shape; two objects when both concepts share a shape. */
    static boolean hasBothShapes(List<DetectedObject> objects, Shape a, Shape b) {
        long ofA = objects.stream().filter(o -> o.shape() == a).count();
        if (a == b) return ofA >= 2;
        return ofA >= 1 && objects.stream().anyMatch(o -> o.shape() == b);
    }

    private List<EvalResult.Compression> compression(ConceptData concept, Delta delta, NDManager root) throws IOException {
        List<EvalResult.Compression> out = new ArrayList<>();
        for (int rank : settings.ranks()) {
            progress.log("compression: rank " + (rank == 0 ? "full" : rank));
            try (NDManager m = root.newSubManager(); TrainingModels models = TrainingModels.load(modelDir, m)) {
                Map<String, NDArray> params = models.unet().parameters();
                Function<String, float[]> baseWeight = k -> params.get(k).toFloatArray();
                Delta d = rank == 0 ? delta : LowRankDelta.compress(delta, baseWeight, LowRankDelta.Policy.rank(rank));
                Path file = workDir.resolve("delta-cd-rank-" + (rank == 0 ? "full" : rank) + ".safetensors");
                d.write(file);
                double fraction = parameterFraction(d, delta);
                DeltaApplier.apply(d, models);
                List<PromptedImage> images = sampler.sample(models, concept.conceptPrompts(), settings.imagesPerPrompt(),
                    settings.seed(), m);
                ImageAlignmentSummary ia = reference(concept).summarize(images(images));
                double ta = textAlignment.mean(images);
                progress.log(String.format(java.util.Locale.ROOT, "  rank %s: %.1f%% of K/V values, %d bytes, image %.3f "
                    + "(exact %.2f), text %.3f", rank == 0 ? "full" : rank, 100 * fraction, Files.size(file),
                    ia.meanSimilarity(), ia.exactMatchRate(), ta));
                out.add(new EvalResult.Compression(rank, fraction, Files.size(file), ia.meanSimilarity(),
                    ia.exactMatchRate(), ta, images));
            }
        }
        return out;
    }

    private static double parameterFraction(Delta compressed, Delta full) {
        long kept = 0;
        long total = 0;
        for (var e : full.layers().entrySet()) {
            total += (long) e.getValue().rows() * e.getValue().cols();
            LayerWeight l = compressed.layers().get(e.getKey());
            kept += l instanceof LayerWeight.Factored f ? (long) f.rank() * (f.rows() + f.cols()) : (long) l.rows() * l.cols();
        }
        return total == 0 ? 0 : kept / (double) total;
    }

    private TrainingConfig config(List<ConceptData> concepts, TrainingMode mode, boolean reg, int steps) {
        List<dev.cdiff.diffusion.training.Concept> cs = new ArrayList<>();
        for (ConceptData c : concepts) cs.add(c.forTraining(reg));
        return config(cs, mode, reg, steps, settings.augment());
    }

    private TrainingConfig config(List<dev.cdiff.diffusion.training.Concept> concepts, TrainingMode mode, boolean reg,
                                  int steps, boolean augment) {
        return TrainingConfig.builder(concepts).mode(mode)
            .batchSize(reg ? 2 * settings.instancesPerStep() : settings.instancesPerStep())
            .steps(steps).learningRate(settings.learningRate(mode)).scaleLearningRate(false)
            .augment(augment).hflip(false).seed(settings.seed()).build();
    }

    private void trainingStep(int step, float loss, long elapsedMillis) {
        if (step % 25 == 0) {
            progress.log(String.format(java.util.Locale.ROOT, "  step %d loss %.4f (%.1f s)", step, loss, elapsedMillis / 1000.0));
        }
    }

    private ConceptReference reference(ConceptData concept) {
        return ConceptReference.fromImages(concept.toy(), concept.targets(), detector);
    }

    static long parameters(Delta delta) {
        long n = 0;
        for (LayerWeight l : delta.layers().values()) n += (long) l.rows() * l.cols();
        for (float[] row : delta.tokenEmbeddings().values()) n += row.length;
        return n;
    }

    static List<ToyImage> images(List<PromptedImage> prompted) {
        List<ToyImage> out = new ArrayList<>();
        for (PromptedImage p : prompted) out.add(p.image());
        return out;
    }

    static String slug(String label) {
        return label.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    static String methodName(TrainingMode mode) {
        return switch (mode) {
            case TEXTUAL_INVERSION -> "token only (textual inversion)";
            case CUSTOM_DIFFUSION -> "Custom Diffusion (K/V + token)";
            case FULL_UNET -> "full UNet + token";
        };
    }
}

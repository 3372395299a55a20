package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.backend.BackendFingerprint;
import dev.cdiff.diffusion.backend.BackendGradientException;
import dev.cdiff.diffusion.backend.GradientSelfCheck;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaKind;
import dev.cdiff.diffusion.delta.DeltaMetadata;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.diffusion.images.RgbImage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.models.DiagonalGaussian;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.text.AddedTokens;
import dev.cdiff.diffusion.text.ClipTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Custom Diffusion fine-tuning (Kumari et al. 2023; diffusers examples/custom_diffusion):
 * adds each concept's modifier token to the tokenizer and embedding table (row initialised from its single-token
 * initializer word), then trains, per {@link TrainingMode}, the cross-attention K/V weights and/or the new rows with
 * AdamW on the masked epsilon/v-prediction loss plus the prior-preservation loss. The key and value of text token 0
 * are detached. Every other parameter stays bit-identical (trained values live in detached master copies).
 *
 * <p>Each step: target images are drawn uniformly from all concepts' images and augmented, regularization images
 * likewise from all concepts' class images; the VAE posterior is sampled with seeded noise; noise and timesteps
 * (uniform in [0, T)) are seeded. All draws of step k depend only on (seed, k) (see {@link StepRandom}), so
 * {@link #saveCheckpoint} + {@link #resume} continues exactly like an uninterrupted run.
 * Memory per step is bounded by a per-step sub-manager.
 */
public final class CustomDiffusionTrainer implements AutoCloseable {
    private final TrainingModels models;
    private final TrainingConfig config;
    private final NDManager manager;
    private final TrainableWeights weights;
    private final AdamW adam;
    private final Augmentation augmentation;
    private final List<Sample> instancePool = new ArrayList<>();
    private final List<Sample> classPool = new ArrayList<>();
    private final List<TokenInfo> tokens = new ArrayList<>();
    private final int latentChannels;
    private final boolean previousDetach;
    private final BackendFingerprint backend;
    private int step;
    private float lastLoss = Float.NaN;

    private record Sample(RgbImage image, String prompt) {
    }

    /**
     * @throws BackendGradientException when this machine's engine fails the gradient self-check: training on it would
     *                                  silently produce wrong deltas
     */
    public CustomDiffusionTrainer(TrainingModels models, TrainingConfig config, NDManager parent) {
        this.backend = GradientSelfCheck.requirePassing().backend();
        this.models = models;
        this.config = config;
        UNet2DConditionModel unet = models.unet();
        int vaeFactor = 1 << (models.vae().config().blockOutChannels().length - 1);
        int resolution = config.resolution() > 0 ? config.resolution() : unet.config().sampleSize() * vaeFactor;
        if (resolution % vaeFactor != 0) {
            throw new IllegalArgumentException("resolution " + resolution + " is not a multiple of the VAE factor " + vaeFactor);
        }
        this.augmentation = new Augmentation(resolution, resolution / vaeFactor, config.augment(), config.hflip());
        this.latentChannels = models.vae().config().latentChannels();
        if (unet.config().inChannels() != latentChannels) {
            throw new IllegalArgumentException("unet in_channels " + unet.config().inChannels()
                    + " differs from the VAE latent_channels " + latentChannels);
        }

        List<String> newTokens = new ArrayList<>();
        List<String> initializers = new ArrayList<>();
        for (Concept c : config.concepts()) {
            newTokens.add(c.token());
            initializers.add(c.initializerWord());
            tokens.add(c.tokenInfo());
        }
        List<AddedTokens.TokenRow> added = AddedTokens.atInitializers(models.tokenizer(), models.textEncoder(),
                newTokens, initializers);
        float[][] rows = new float[added.size()][];
        for (int i = 0; i < rows.length; i++) rows[i] = added.get(i).row();
        int[] ids = AddedTokens.add(models.tokenizer(), models.textEncoder(), added,
                "pick another modifier token or load a fresh base model");
        for (Concept c : config.concepts()) {
            for (RgbImage img : c.instanceImages()) {
                instancePool.add(new Sample(img, c.instancePrompt()));
            }
            for (int j = 0; j < c.classImages().size(); j++) {
                classPool.add(new Sample(c.classImages().get(j), c.classCaption(j)));
            }
        }

        Map<String, NDArray> trainable;
        switch (config.mode()) {
            case CUSTOM_DIFFUSION:
                trainable = unet.crossAttentionKv();
                break;
            case FULL_UNET:
                trainable = unet.parameters();
                break;
            default:
                trainable = Map.of();
        }
        this.manager = parent.newSubManager();
        this.weights = new TrainableWeights(manager, trainable, rows, ids);
        this.adam = new AdamW(config.adamW(), manager);
        weights.installMasters(unet);
        this.previousDetach = unet.detachFirstTokenKv();
        unet.setDetachFirstTokenKv(config.detachFirstTokenKv());
    }

    /**
     * Resumes a run saved by {@link #saveCheckpoint}: {@code models} must be a freshly loaded copy of the same base
     * model and {@code config} the run's configuration.
     */
    public static CustomDiffusionTrainer resume(TrainingModels models, TrainingConfig config, NDManager parent,
                                                Path checkpoint) {
        CustomDiffusionTrainer t = new CustomDiffusionTrainer(models, config, parent);
        try {
            TrainingCheckpoint.State s = TrainingCheckpoint.read(checkpoint);
            if (!s.baseModelDigest().equals(models.baseModelDigest())) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " was made on base model "
                        + s.baseModelDigest() + ", not on the loaded " + models.baseModelDigest());
            }
            if (s.seed() != config.seed()) {
                throw new IllegalArgumentException("checkpoint seed " + s.seed() + " differs from config seed " + config.seed());
            }
            t.weights.load(s.weights());
            t.adam.restore(s.step(), s.firstMoments(), s.secondMoments(), t.weights.all());
            t.step = s.step();
            t.weights.installMasters(models.unet());
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    public int stepsDone() {
        return step;
    }

    public TrainingConfig config() {
        return config;
    }

    public float lastLoss() {
        return lastLoss;
    }

    /** Runs the remaining steps up to {@link TrainingConfig#effectiveSteps()}. */
    public void train(TrainingListener listener) {
        trainUntil(config.effectiveSteps(), listener);
    }

    /** Runs steps until {@code targetStep} steps are done. */
    public void trainUntil(int targetStep, TrainingListener listener) {
        long start = System.currentTimeMillis();
        while (step < targetStep) {
            float loss = step();
            listener.onStep(step, loss, System.currentTimeMillis() - start);
        }
        installTokenRows();
    }

    /** One optimizer step; returns its loss. */
    public float step() {
        try (NDManager sm = manager.newSubManager()) {
            TrainingBatch batch = prepareBatch(step, sm);
            Map<String, NDArray> leaves = weights.installLeaves(models.unet(), sm);
            CustomDiffusionLoss.Result r;
            try {
                r = CustomDiffusionLoss.compute(models.textEncoder(), models.unet(), models.noiseScheduler(), batch,
                        leaves, weights.tokenIds(), config.priorLossWeight(), sm);
            } finally {
                weights.installMasters(models.unet());
            }
            if (!Float.isFinite(r.loss())) {
                throw new IllegalStateException("training loss became " + r.loss() + " at step " + (step + 1));
            }
            CustomDiffusionLoss.clipGradNorm(r.grads(), config.maxGradNorm(), r.gradSquares());
            adam.step(weights.all(), r.grads(), sm);
            step++;
            lastLoss = r.loss();
            return r.loss();
        }
    }

    /** The augmented, encoded batch of step {@code stepIndex} (0-based). */
    TrainingBatch prepareBatch(int stepIndex, NDManager sm) {
        SplittableRandom data = StepRandom.of(config.seed(), stepIndex, StepRandom.Stream.DATA);
        int nInst = config.instancesPerStep();
        int nReg = config.usesRegularization() ? config.batchSize() - nInst : 0;
        int size = augmentation.size();
        int lat = augmentation.latentSize();
        int batch = nInst + nReg;
        float[] pixels = new float[batch * 3 * size * size];
        float[] mask = new float[nInst * lat * lat];
        ClipTokenizer tok = models.tokenizer();
        long[] ids = new long[batch * tok.maxLength()];
        for (int i = 0; i < batch; i++) {
            Augmentation.Example ex;
            if (i < nInst) {
                Sample s = instancePool.get(data.nextInt(instancePool.size()));
                ex = augmentation.instance(s.image(), s.prompt(), data);
                System.arraycopy(ex.mask(), 0, mask, i * lat * lat, lat * lat);
            } else {
                Sample s = classPool.get(data.nextInt(classPool.size()));
                ex = augmentation.regularization(s.image(), s.prompt(), data);
            }
            System.arraycopy(ex.pixels(), 0, pixels, i * 3 * size * size, 3 * size * size);
            int[] row = tok.encode(ex.prompt());
            for (int j = 0; j < row.length; j++) {
                ids[i * row.length + j] = row[j];
            }
        }
        NDArray latents;
        try (NDManager enc = sm.newSubManager()) {
            NDArray px = enc.create(pixels, new Shape(batch, 3, size, size));
            try (DiagonalGaussian posterior = models.vae().encode(px)) {
                Shape ls = posterior.mean().getShape();
                float[] eps = StepRandom.gaussian(StepRandom.of(config.seed(), stepIndex, StepRandom.Stream.LATENT_SAMPLE),
                        (int) ls.size());
                NDArray sampled = posterior.sample(enc.create(eps, ls));
                latents = sampled.mul(models.vae().scalingFactor());
                latents.attach(sm);
            }
        }
        Shape ls = latents.getShape();
        NDArray noise = sm.create(StepRandom.gaussian(StepRandom.of(config.seed(), stepIndex, StepRandom.Stream.NOISE),
                (int) ls.size()), ls);
        SplittableRandom tr = StepRandom.of(config.seed(), stepIndex, StepRandom.Stream.TIMESTEPS);
        long[] ts = new long[batch];
        int t = models.noiseScheduler().numTrainTimesteps();
        for (int i = 0; i < batch; i++) {
            ts[i] = tr.nextInt(t);
        }
        return new TrainingBatch(latents, noise, sm.create(ts), sm.create(ids, new Shape(batch, tok.maxLength())),
                sm.create(mask, new Shape(nInst, 1, lat, lat)), nInst);
    }

    /** Writes the trained token rows into the text encoder's table (the UNet already uses the trained weights). */
    public void installTokenRows() {
        float[] flat = weights.tokenRows().toFloatArray();
        int hidden = models.textEncoder().hiddenSize();
        int[] ids = weights.tokenIds();
        for (int i = 0; i < ids.length; i++) {
            float[] row = new float[hidden];
            System.arraycopy(flat, i * hidden, row, 0, hidden);
            models.textEncoder().setTokenRow(ids[i], row);
        }
    }

    /** The trained result as a full delta. */
    public Delta toDelta() {
        Map<String, LayerWeight> layers = new TreeMap<>();
        weights.unetMasters().forEach((k, v) -> {
            long[] s = v.getShape().getShape();
            int rows = (int) s[0];
            int cols = (int) (v.size() / Math.max(1, rows));
            layers.put(k, new LayerWeight.Full(rows, cols, v.toType(DataType.FLOAT32, false).toFloatArray()));
        });
        float[] flat = weights.tokenRows().toFloatArray();
        int hidden = models.textEncoder().hiddenSize();
        Map<String, float[]> rows = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            float[] row = new float[hidden];
            System.arraycopy(flat, i * hidden, row, 0, hidden);
            rows.put(tokens.get(i).token(), row);
        }
        DeltaMetadata meta = DeltaMetadata.of(DeltaKind.FULL, models.baseModelDigest(), tokens, config.toJson(),
                config.seed()).withExtra("steps_done", Integer.toString(step))
                .withExtra("mode", config.mode().name().toLowerCase(java.util.Locale.ROOT))
                .withBackend(backend.encode());
        return new Delta(layers, rows, meta);
    }

    /** The backend this trainer computes on (checked by the gradient self-check before any step). */
    public BackendFingerprint backend() {
        return backend;
    }

    /** Trainable tensors, AdamW moments, step and seed (the RNG state; see {@link StepRandom}). */
    public void saveCheckpoint(Path file) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        weights.all().forEach((k, v) -> {
            values.put(k, v.toFloatArray());
            shapes.put(k, v.getShape().getShape());
        });
        Map<String, float[]> m1 = new LinkedHashMap<>();
        Map<String, float[]> m2 = new LinkedHashMap<>();
        adam.firstMoments().forEach((k, v) -> m1.put(k, v.toFloatArray()));
        adam.secondMoments().forEach((k, v) -> m2.put(k, v.toFloatArray()));
        TrainingCheckpoint.write(file, new TrainingCheckpoint.State(step, config.seed(), models.baseModelDigest(),
                values, shapes, m1, m2, config.toJson().toString()));
    }

    /**
     * Leaves the trained values in the models: the UNet gets copies (owned by its own manager) of the trained
     * weights and the text encoder the trained token rows.
     */
    @Override
    public void close() {
        UNet2DConditionModel unet = models.unet();
        weights.unetMasters().forEach((k, v) -> {
            NDArray copy = unet.manager().create(v.toFloatArray(), v.getShape());
            unet.setParameter(k, copy);
        });
        installTokenRows();
        unet.setDetachFirstTokenKv(previousDetach);
        adam.close();
        weights.close();
        manager.close();
    }
}

package dev.cdiff.toyworld.pretrain;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.DiagonalGaussian;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.schedulers.Scheduler;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;
import dev.cdiff.toyworld.image.PatternedScenes;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the UNet and the text encoder's token embeddings from scratch with Stable Diffusion's epsilon objective
 * on toy-world image/caption pairs (TRAIN split only; plus uncaptioned patterned scenes; captions dropped to "" at the configured rate for
 * classifier-free guidance; no flips, since captions name left and right). The VAE is frozen. The text encoder trains
 * whole: its token rows through the trainable-rows path (each step the rows of the tokens present in the batch; absent
 * rows get a zero gradient, as a dense torch embedding would), and its position embedding, transformer layers and
 * final norm as installed leaves. The layers were frozen at their random initialisation until 3 Dec: with a causal
 * random encoder the base model ignored whatever a caption says after or about the object (background colour matched
 * in 8 % of unseen captions, position in 14 %), since "blue" in "on a blue background" cannot see "background".
 * Since every row a batch uses comes from the master via the trainable-rows path, the encoder's own table is only
 * refreshed at checkpoints and at the end (replacing it every step crashed the native heap, see the report).
 */
public final class DiffusionPretrainer {
    /**
     * Share of each batch that is a scene with randomly patterned objects (never a concept's fill) under the empty
     * caption: the UNet learns what patterned latents look like, as SD's UNet has seen every texture, but no word names
     * a pattern. Without it a concept's patterned latents were far outside what the UNet had seen (epsilon loss ~0.9 on
     * the targets against 0.03-0.06 in pretraining) and Custom Diffusion's K/V update had to create them from nothing.
     */
    static final double PATTERNED_UNCAPTIONED_SHARE = 0.15;

    private final ToyWorld world;
    private final PretrainConfig config;

    public DiffusionPretrainer(ToyWorld world, PretrainConfig config) {
        this.world = world;
        this.config = config;
    }

    /** Called every checkpointEvery steps with the live models holding the current weights. */
    @FunctionalInterface
    public interface Checkpoint {
        void save(int step);
    }

    public double train(ClipTokenizer tokenizer, ClipTextEncoder text, UNet2DConditionModel unet, AutoencoderKL vae,
                        Scheduler scheduler, NDManager manager, PretrainListener listener, int checkpointEvery,
                        Checkpoint checkpoint) {
        int size = world.config().imageSize();
        int b = config.batchSize();
        int latentChannels = unet.config().inChannels();
        int latent = size / (1 << (vae.config().blockOutChannels().length - 1));
        double last = Double.NaN;
        long start = System.currentTimeMillis();
        try (NDManager run = manager.newSubManager();
             MasterWeights unetWeights = new MasterWeights(unet.parameters(), unet::setParameter, run);
             EmbeddingMaster embedding = new EmbeddingMaster(text, run);
             MasterWeights textWeights = new MasterWeights(textLayers(text), text::installParameter, run);
             ScheduledAdamW adam = new ScheduledAdamW(config.weightDecay(), run)) {
            for (int step = 0; step < config.steps(); step++) {
                SplittableRandom random = new SplittableRandom(config.seed() * 0xBF58476D1CE4E5B9L + step);
                try (NDManager sm = run.newSubManager()) {
                    List<ToyImage> images = new ArrayList<>(b);
                    long[] ids = new long[b * tokenizer.maxLength()];
                    for (int i = 0; i < b; i++) {
                        String caption;
                        if (random.nextDouble() < PATTERNED_UNCAPTIONED_SHARE) {
                            images.add(PatternedScenes.generate(world, random));
                            caption = "";
                        } else {
                            Sample s = world.sample(random.nextLong(), 0, Split.TRAIN);
                            images.add(s.image());
                            caption = random.nextDouble() < config.captionDropout() ? "" : s.caption();
                        }
                        int[] enc = tokenizer.encode(caption);
                        for (int k = 0; k < enc.length; k++) ids[i * enc.length + k] = enc[k];
                    }
                    NDArray pixels = sm.create(VaePretrainer.pixels(images), new Shape(b, 3, size, size));
                    DiagonalGaussian posterior = vae.encode(pixels);
                    NDArray latents = posterior.mean().mul(vae.scalingFactor());
                    latents.attach(sm);
                    NDArray noise = sm.create(Gaussian.floats(random, b * latentChannels * latent * latent),
                        new Shape(b, latentChannels, latent, latent));
                    long[] t = new long[b];
                    for (int i = 0; i < b; i++) t[i] = random.nextInt(scheduler.numTrainTimesteps());
                    NDArray timesteps = sm.create(t);
                    NDArray noisy = scheduler.addNoise(latents, noise, timesteps);
                    noisy.attach(sm);
                    NDArray inputIds = sm.create(ids, new Shape(b, tokenizer.maxLength()));
                    Map<String, NDArray> leaves = new LinkedHashMap<>();
                    unetWeights.installLeaves(sm).forEach((k, v) -> leaves.put("unet/" + k, v));
                    textWeights.installLeaves(sm).forEach((k, v) -> leaves.put("text/" + k, v));
                    int[] present = EmbeddingMaster.distinct(ids);
                    NDArray rows = embedding.rowsLeaf(present, sm);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray hidden = text.encode(inputIds, rows, present);
                        hidden.attach(sm);
                        NDArray pred = unet.forward(noisy, timesteps, hidden);
                        pred.attach(sm);
                        NDArray loss = pred.sub(noise).square().mean();
                        loss.attach(sm);
                        last = loss.getFloat();
                        gc.backward(loss);
                    }
                    Map<String, NDArray> grads = MasterWeights.gradients(leaves, sm);
                    grads.put(EmbeddingMaster.KEY, embedding.denseGradient(rows, present, sm));
                    MasterWeights.clip(grads, config.gradClip(), sm);
                    Map<String, NDArray> masters = new LinkedHashMap<>();
                    unetWeights.masters().forEach((k, v) -> masters.put("unet/" + k, v));
                    textWeights.masters().forEach((k, v) -> masters.put("text/" + k, v));
                    masters.put(EmbeddingMaster.KEY, embedding.master());
                    adam.step(masters, grads, config.learningRate(step), sm);
                    unetWeights.installMasters();
                    textWeights.installMasters();
                }
                listener.onStep(step + 1, config.steps(), last, System.currentTimeMillis() - start);
                if (checkpointEvery > 0 && (step + 1) % checkpointEvery == 0 && step + 1 < config.steps()) {
                    embedding.install();
                    checkpoint.save(step + 1);
                }
            }
            keep(unetWeights, unet::setParameter, unet.manager());
            keep(textWeights, text::installParameter, text.tokenEmbedding().getManager());
            embedding.install();
        }
        return last;
    }

    /** Every text encoder parameter except the token table, whose rows train through {@link EmbeddingMaster}. */
    static Map<String, NDArray> textLayers(ClipTextEncoder text) {
        Map<String, NDArray> out = new LinkedHashMap<>(text.parameters());
        out.remove(ClipTextEncoder.TOKEN_EMBEDDING);
        return out;
    }

    private static void keep(MasterWeights weights, java.util.function.BiConsumer<String, NDArray> install, NDManager owner) {
        for (var e : weights.masters().entrySet()) {
            NDArray copy = e.getValue().duplicate();
            copy.attach(owner);
            install.accept(e.getKey(), copy);
        }
    }
}

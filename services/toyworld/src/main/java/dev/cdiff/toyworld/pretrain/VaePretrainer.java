package dev.cdiff.toyworld.pretrain;

import dev.cdiff.diffusion.models.nn.Ops;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.DiagonalGaussian;
import dev.cdiff.toyworld.image.PatternedScenes;
import dev.cdiff.toyworld.image.TextureImages;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the toy VAE from scratch: L1 reconstruction of the posterior means plus a small KL term, on base-world
 * images mixed with random full-frame textures and with scenes whose objects wear random patterns (never a
 * concept's own). Deterministic given the config seed (all randomness from SplittableRandom).
 */
public final class VaePretrainer {
    private static final double KL_WEIGHT = 1e-6;
    static final double TEXTURE_SHARE = 0.3;
    static final double PATTERNED_SCENE_SHARE = 0.3;

    private final ToyWorld world;
    private final PretrainConfig config;
    private final DecoderObjective objective;

    public VaePretrainer(ToyWorld world, PretrainConfig config) {
        this(world, config, DecoderObjective.PIXEL_L1);
    }

    /** objective applies to {@link #trainDecoder}; the whole-VAE stage keeps plain L1 and the default mix. */
    public VaePretrainer(ToyWorld world, PretrainConfig config, DecoderObjective objective) {
        this.world = world;
        this.config = config;
        this.objective = objective;
    }

    /** Trains vae in place (its parameters are replaced by the trained values); returns the last loss. */
    public double train(AutoencoderKL vae, NDManager manager, PretrainListener listener) {
        return train(vae, false, manager, listener);
    }

    /**
     * Trains only the decoder (and post_quant_conv) on the frozen encoder's posterior means, as Stable Diffusion's
     * ft-MSE VAE was made: the latent space, its scaling factor and so every UNet trained on it stay valid, while
     * the decoder learns to draw what the latents already hold. Returns the last L1 loss.
     */
    public double trainDecoder(AutoencoderKL vae, NDManager manager, PretrainListener listener) {
        return train(vae, true, manager, listener);
    }

    /** The parameters the decoder-only stage trains. */
    static Map<String, NDArray> decoderParameters(AutoencoderKL vae) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        vae.parameters().forEach((k, v) -> {
            if (k.startsWith("decoder.") || k.startsWith("post_quant_conv.")) out.put(k, v);
        });
        if (out.isEmpty()) throw new IllegalStateException("VAE has no decoder.* or post_quant_conv.* parameters");
        return out;
    }

    private double train(AutoencoderKL vae, boolean decoderOnly, NDManager manager, PretrainListener listener) {
        int size = world.config().imageSize();
        double last = Double.NaN;
        long start = System.currentTimeMillis();
        try (NDManager run = manager.newSubManager();
             MasterWeights weights = new MasterWeights(decoderOnly ? decoderParameters(vae) : vae.parameters(),
                 vae::setParameter, run);
             ScheduledAdamW adam = new ScheduledAdamW(config.weightDecay(), run)) {
            for (int step = 0; step < config.steps(); step++) {
                SplittableRandom random = new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L + step);
                try (NDManager sm = run.newSubManager()) {
                    var leaves = weights.installLeaves(sm);
                    DecoderObjective mix = decoderOnly ? objective : DecoderObjective.PIXEL_L1;
                    NDArray images = sm.create(pixels(batch(random, size, mix)),
                        new Shape(config.batchSize(), 3, size, size));
                    last = decoderOnly ? decoderStep(vae, images, mix.edgeWeight(), sm) : fullStep(vae, images, sm);
                    var grads = MasterWeights.gradients(leaves, sm);
                    MasterWeights.clip(grads, config.gradClip(), sm);
                    adam.step(weights.masters(), grads, config.learningRate(step), sm);
                    weights.installMasters();
                }
                listener.onStep(step + 1, config.steps(), last, System.currentTimeMillis() - start);
            }
            // Give the model its own copies: the masters' manager closes with this method.
            for (var e : weights.masters().entrySet()) {
                NDArray keep = e.getValue().duplicate();
                keep.attach(vae.manager());
                vae.setParameter(e.getKey(), keep);
            }
        }
        return last;
    }

    /** Forward and backward of the whole VAE on one batch; returns the loss. */
    private static float fullStep(AutoencoderKL vae, NDArray images, NDManager sm) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            DiagonalGaussian posterior = vae.encode(images);
            // The posterior mean, not a sample: the UNet is trained on means, and decoding samples of a
            // barely trained posterior (std ~1 at initialisation) taught the decoder only to blur.
            NDArray z = posterior.mean();
            z.attach(sm);
            NDArray rec = vae.decode(z);
            rec.attach(sm);
            NDArray l1 = rec.sub(images).abs().mean();
            NDArray mean = posterior.mean();
            NDArray logvar = posterior.logvar();
            NDArray kl = Ops.scale(mean.square().add(logvar.exp()).sub(1f).sub(logvar).mean(), 0.5f);
            NDArray loss = l1.add(Ops.scale(kl, (float) KL_WEIGHT));
            loss.attach(sm);
            gc.backward(loss);
            return loss.getFloat();
        }
    }

    /** The encoder runs outside the collector (frozen); only the decoder's graph is recorded. */
    private static float decoderStep(AutoencoderKL vae, NDArray images, double edgeWeight, NDManager sm) {
        NDArray z = vae.encode(images).mean();
        z.attach(sm);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray rec = vae.decode(z);
            rec.attach(sm);
            NDArray loss = decoderLoss(rec, images, edgeWeight);
            loss.attach(sm);
            gc.backward(loss);
            return loss.getFloat();
        }
    }

    /**
     * mean |rec - x| + edgeWeight (mean |dx(rec - x)| + mean |dy(rec - x)|) over [batch, channel, height, width]; the
     * differences of the error are the error of the differences, so one subtraction per direction.
     */
    static NDArray decoderLoss(NDArray rec, NDArray images, double edgeWeight) {
        NDArray err = rec.sub(images);
        NDArray loss = err.abs().mean();
        if (edgeWeight == 0) return loss;
        NDArray dx = err.get(":, :, :, 1:").sub(err.get(":, :, :, :-1")).abs().mean();
        NDArray dy = err.get(":, :, 1:, :").sub(err.get(":, :, :-1, :")).abs().mean();
        return loss.add(Ops.scale(dx.add(dy), (float) edgeWeight));
    }

    private List<ToyImage> batch(SplittableRandom random, int size, DecoderObjective mix) {
        List<ToyImage> out = new ArrayList<>(config.batchSize());
        for (int i = 0; i < config.batchSize(); i++) {
            double pick = random.nextDouble();
            if (pick < TEXTURE_SHARE) {
                out.add(TextureImages.generate(size, random));
            } else if (pick < TEXTURE_SHARE + mix.patternedShare()) {
                out.add(PatternedScenes.generate(world, random));
            } else if (pick < TEXTURE_SHARE + mix.patternedShare() + mix.singleObjectShare()) {
                out.add(PatternedScenes.generateSingle(world, random));
            } else if (pick < TEXTURE_SHARE + mix.patternedShare() + mix.singleObjectShare() + mix.pairShare()) {
                out.add(PatternedScenes.generatePair(world, random));
            } else {
                out.add(world.sample(random.nextLong(), 0, Split.TRAIN).image());
            }
        }
        return out;
    }

    /** Images to [-1,1] channel-first floats. */
    static float[] pixels(List<ToyImage> images) {
        int per = 3 * images.get(0).width() * images.get(0).height();
        float[] out = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            float[] chw = images.get(i).toChw();
            for (int k = 0; k < per; k++) out[i * per + k] = chw[k] * 2f - 1f;
        }
        return out;
    }
}

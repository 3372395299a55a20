package dev.cdiff.toyworld.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.DiagonalGaussian;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.schedulers.Scheduler;
import dev.cdiff.diffusion.schedulers.Schedulers;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole toy base-model recipe of PRETRAIN.md: random diffusers folder, VAE stage, latent scaling factor,
 * then UNet + text encoder stage, saving the folder after each stage and every checkpointEvery diffusion steps.
 * A null VAE config continues the diffusion stage of an existing folder (saved UNet and token embeddings, fresh
 * optimizer moments and learning-rate schedule) without touching the VAE; a null diffusion config stops after the
 * VAE stage, so the VAE can be trained and gated on its round trip before hours go into the UNet.
 */
public final class ToyBasePretraining {
    private ToyBasePretraining() {}

    /** vaeAcceptance is null when the VAE stage was skipped; diffusionLoss is NaN when the diffusion stage was. */
    public record Result(double vaeLoss, VaeRoundTrip.Acceptance vaeAcceptance, double diffusionLoss, float scalingFactor) {}

    public static Result run(Path modelDir, ToyWorld world, ToyModelSpec spec, PretrainConfig vaeConfig,
                             PretrainConfig diffusionConfig, int checkpointEvery, NDManager manager,
                             PretrainListener listener) throws IOException {
        return run(modelDir, world, spec, vaeConfig, null, diffusionConfig, checkpointEvery, manager, listener);
    }

    /**
     * As above, with an optional decoder-only stage after the VAE stage (null = none): it fine-tunes the decoder of
     * the folder's VAE on its frozen encoder ({@link VaePretrainer#trainDecoder}), so the latent space, the scaling
     * factor and a UNet already trained on them stay valid; its round trip is then the one reported.
     */
    public static Result run(Path modelDir, ToyWorld world, ToyModelSpec spec, PretrainConfig vaeConfig,
                             PretrainConfig decoderConfig, PretrainConfig diffusionConfig, int checkpointEvery,
                             NDManager manager, PretrainListener listener) throws IOException {
        return run(modelDir, world, spec, vaeConfig, decoderConfig, DecoderObjective.PIXEL_L1, diffusionConfig,
            checkpointEvery, manager, listener);
    }

    /** As above, the decoder-only stage minimising {@code decoderObjective}. */
    public static Result run(Path modelDir, ToyWorld world, ToyModelSpec spec, PretrainConfig vaeConfig,
                             PretrainConfig decoderConfig, DecoderObjective decoderObjective,
                             PretrainConfig diffusionConfig, int checkpointEvery,
                             NDManager manager, PretrainListener listener) throws IOException {
        if (spec.imageSize() != world.config().imageSize()) {
            throw new IllegalArgumentException("spec imageSize " + spec.imageSize() + " != world imageSize "
                + world.config().imageSize());
        }
        if (!Files.exists(modelDir.resolve("model_index.json"))) {
            if (vaeConfig == null) {
                throw new IllegalArgumentException("skipping the VAE stage needs an existing model folder, but "
                    + modelDir + " has no model_index.json");
            }
            ToyModelFolder.createRandom(modelDir, spec, vaeConfig.seed(), manager);
        }
        double vaeLoss = Double.NaN;
        VaeRoundTrip.Acceptance acceptance = null;
        float scaling;
        if (vaeConfig != null) {
            try (NDManager m = manager.newSubManager();
                 AutoencoderKL vae = AutoencoderKL.load(modelDir.resolve("vae"), m)) {
                vaeLoss = new VaePretrainer(world, vaeConfig).train(vae, m, listener);
                scaling = latentScalingFactor(vae, world, m);
                acceptance = VaeRoundTrip.acceptance(vae, world, m);
                DeterministicPosterior.apply(vae);
                vae.save(modelDir.resolve("vae"));
            }
            setScalingFactor(modelDir.resolve("vae/config.json"), scaling);
        } else {
            // continuing the diffusion stage: the VAE (and so the latent space the UNet learned) stays as saved
            try (NDManager m = manager.newSubManager();
                 AutoencoderKL vae = AutoencoderKL.load(modelDir.resolve("vae"), m)) {
                scaling = vae.scalingFactor();
            }
        }
        if (decoderConfig != null) {
            try (NDManager m = manager.newSubManager();
                 AutoencoderKL vae = AutoencoderKL.load(modelDir.resolve("vae"), m)) {
                vaeLoss = new VaePretrainer(world, decoderConfig, decoderObjective).trainDecoder(vae, m, listener);
                acceptance = VaeRoundTrip.acceptance(vae, world, m);
                // save writes the config as loaded, scaling factor included: the latent space is unchanged
                vae.save(modelDir.resolve("vae"));
            }
        }
        if (diffusionConfig == null) return new Result(vaeLoss, acceptance, Double.NaN, scaling);
        double diffusionLoss;
        try (NDManager m = manager.newSubManager();
             AutoencoderKL vae = AutoencoderKL.load(modelDir.resolve("vae"), m);
             ClipTextEncoder text = ClipTextEncoder.load(modelDir.resolve("text_encoder"), m);
             UNet2DConditionModel unet = UNet2DConditionModel.load(modelDir.resolve("unet"), m)) {
            ClipTokenizer tokenizer = ClipTokenizer.load(modelDir.resolve("tokenizer"));
            Scheduler scheduler = Schedulers.fromConfig(modelDir.resolve("scheduler"));
            DiffusionPretrainer.Checkpoint checkpoint = step -> {
                unet.save(modelDir.resolve("unet"));
                text.save(modelDir.resolve("text_encoder"));
            };
            diffusionLoss = new DiffusionPretrainer(world, diffusionConfig)
                .train(tokenizer, text, unet, vae, scheduler, m, listener, checkpointEvery, checkpoint);
            unet.save(modelDir.resolve("unet"));
            text.save(modelDir.resolve("text_encoder"));
        }
        return new Result(vaeLoss, acceptance, diffusionLoss, scaling);
    }

    /** 1 / standard deviation of posterior means over 128 training images, as SD's 0.18215 was derived. */
    static float latentScalingFactor(AutoencoderKL vae, ToyWorld world, NDManager manager) {
        int size = world.config().imageSize();
        List<ToyImage> images = new ArrayList<>();
        for (Sample s : world.samples(128, 4242, Split.TRAIN)) images.add(s.image());
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(VaePretrainer.pixels(images), new Shape(images.size(), 3, size, size));
            DiagonalGaussian posterior = vae.encode(x);
            NDArray mean = posterior.mean();
            mean.attach(m);
            NDArray centered = mean.sub(mean.mean());
            float std = (float) Math.sqrt(centered.square().mean().getFloat());
            if (!(std > 0)) throw new IllegalStateException("VAE latents have zero spread; training failed");
            return 1f / std;
        }
    }

    static void setScalingFactor(Path vaeConfig, float scaling) {
        try {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode config = (ObjectNode) json.readTree(vaeConfig.toFile());
            config.put("scaling_factor", scaling);
            json.writeValue(vaeConfig.toFile(), config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + vaeConfig, e);
        }
    }
}

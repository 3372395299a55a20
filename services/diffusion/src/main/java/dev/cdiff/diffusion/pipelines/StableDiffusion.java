package dev.cdiff.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.schedulers.DDIMScheduler;
import dev.cdiff.diffusion.schedulers.Scheduler;
import dev.cdiff.diffusion.schedulers.Schedulers;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Text-to-image sampling with classifier-free guidance, following diffusers'
 * StableDiffusionPipeline: the batch is [unconditional; conditional], the guided noise is
 * uncond + g * (cond - uncond), latents start at noise * init_noise_sigma and are decoded after
 * division by the VAE scaling factor. Noise comes from a seeded java.util.Random, never the engine.
 */
public final class StableDiffusion implements AutoCloseable {
    private final ClipTokenizer tokenizer;
    private final ClipTextEncoder textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final JsonNode schedulerConfig;
    private final NDManager manager;
    private final boolean ownsModels;
    /** The UNet converted for a non-float32 precision, and the weight arrays it was converted from. */
    private UNet2DConditionModel convertedUnet;
    private List<NDArray> convertedFrom = List.of();

    /** Wraps already-loaded components (not closed by {@link #close()}). */
    public StableDiffusion(ClipTokenizer tokenizer, ClipTextEncoder textEncoder, UNet2DConditionModel unet,
                           AutoencoderKL vae, JsonNode schedulerConfig, NDManager manager) {
        this(tokenizer, textEncoder, unet, vae, schedulerConfig, manager, false);
    }

    private StableDiffusion(ClipTokenizer tokenizer, ClipTextEncoder textEncoder, UNet2DConditionModel unet,
                            AutoencoderKL vae, JsonNode schedulerConfig, NDManager manager, boolean ownsModels) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = schedulerConfig;
        this.manager = manager;
        this.ownsModels = ownsModels;
    }

    /** Loads every component of a diffusers-layout folder into a sub-manager of {@code m}. */
    public static StableDiffusion load(Path modelDir, NDManager m) {
        ModelFolder folder = new ModelFolder(modelDir);
        NDManager own = m.newSubManager();
        try {
            ClipTokenizer tokenizer = ClipTokenizer.load(folder.tokenizerDir());
            ClipTextEncoder textEncoder = ClipTextEncoder.load(folder.textEncoderDir(), own);
            UNet2DConditionModel unet = UNet2DConditionModel.load(folder.unetDir(), own);
            AutoencoderKL vae = AutoencoderKL.load(folder.vaeDir(), own);
            // not validated here: a folder whose own scheduler is unsupported can still sample with a named one
            JsonNode schedulerConfig = ModelFolder.readConfig(folder.schedulerDir());
            return new StableDiffusion(tokenizer, textEncoder, unet, vae, schedulerConfig, own, true);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /** A view sharing these models but sampling with another default scheduler config. */
    public StableDiffusion withSchedulerConfig(JsonNode config) {
        Schedulers.fromConfig(config);
        return new StableDiffusion(tokenizer, textEncoder, unet, vae, config, manager, false);
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipTextEncoder textEncoder() {
        return textEncoder;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    public JsonNode schedulerConfig() {
        return schedulerConfig;
    }

    /** The scheduler a request names (ddpm / ddim / dpm / pndm) with this model's betas, or the model's own. */
    public Scheduler scheduler(String name) {
        return name == null || name.isBlank() ? Schedulers.fromConfig(schedulerConfig)
                : Schedulers.create(name, schedulerConfig);
    }

    /**
     * The UNet that denoises at {@code precision}: the model itself for fp32, else a converted copy made on first use
     * and kept while the model's weights stay the same arrays (a merge or fine-tune that replaces a weight makes the
     * next call convert again). The copy costs the weights' size in that type, on top of the float32 weights.
     */
    public synchronized UNet2DConditionModel unetFor(SamplingPrecision precision) {
        if (precision == SamplingPrecision.FP32) {
            return unet;
        }
        List<NDArray> current = new ArrayList<>(unet.parameters().values());
        boolean stale = convertedUnet == null || convertedUnet.weightType() != precision.dataType()
                || current.size() != convertedFrom.size();
        for (int i = 0; !stale && i < current.size(); i++) {
            stale = current.get(i) != convertedFrom.get(i);
        }
        if (stale) {
            if (convertedUnet != null) {
                convertedUnet.close();
            }
            convertedUnet = unet.withWeightsAs(precision.dataType(), manager);
            convertedFrom = current;
        }
        return convertedUnet;
    }

    /** Downsampling factor between pixels and latents: 2^(number of VAE blocks - 1). */
    public int vaeScaleFactor() {
        return 1 << (vae.config().blockOutChannels().length - 1);
    }

    /** Text encoder output [prompts, 77, hidden] for the prompts, in {@code m}. */
    public NDArray encodePrompts(List<String> prompts, NDManager m) {
        return encodePrompts(prompts, m, 0);
    }

    /** Text encoder output with diffusers' clip_skip (0 = last layer). */
    public NDArray encodePrompts(List<String> prompts, NDManager m, int clipSkip) {
        long[][] ids = new long[prompts.size()][];
        for (int i = 0; i < ids.length; i++) {
            int[] tokens = tokenizer.encode(prompts.get(i));
            ids[i] = new long[tokens.length];
            for (int j = 0; j < tokens.length; j++) {
                ids[i][j] = tokens[j];
            }
        }
        try (NDManager tmp = m.newSubManager()) {
            NDArray idArray = tmp.create(ids);
            NDArray hidden = textEncoder.encode(idArray, clipSkip);
            hidden.attach(m);
            return hidden;
        }
    }

    public SampleResult generate(SampleRequest req) {
        int perPrompt = req.imagesPerPrompt();
        List<String> prompts = new ArrayList<>();
        for (String p : req.prompts()) {
            for (int k = 0; k < perPrompt; k++) {
                prompts.add(p);
            }
        }
        int batch = prompts.size();
        int scale = vaeScaleFactor();
        int height = req.height() != null ? req.height() : unet.config().sampleSize() * scale;
        int width = req.width() != null ? req.width() : unet.config().sampleSize() * scale;
        if (height % scale != 0 || width % scale != 0) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " must be a multiple of " + scale);
        }
        Shape latentShape = new Shape(batch, unet.config().inChannels(), height / scale, width / scale);
        Scheduler scheduler = scheduler(req.scheduler());
        if (scheduler instanceof DDIMScheduler ddim) {
            ddim.setEta(req.eta());
        } else if (req.eta() != 0f) {
            throw new IllegalArgumentException("eta applies to the DDIM scheduler only, not " + scheduler.name());
        }
        scheduler.setTimesteps(req.steps());
        boolean guided = req.guidance() > 1f;
        Random noise = new Random(req.seed());
        UNet2DConditionModel denoiser = unetFor(req.precision());

        try (NDManager run = manager.newSubManager()) {
            NDArray cond = encodePrompts(prompts, run, req.clipSkip());
            NDArray context = cond;
            if (guided) {
                List<String> negatives = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    negatives.add(req.negativePrompt());
                }
                context = encodePrompts(negatives, run, req.clipSkip()).concat(cond, 0);
            }
            NDArray latents;
            if (req.initialLatents() != null) {
                if (req.initialLatents().length != latentShape.size()) {
                    throw new IllegalArgumentException("initial latents have " + req.initialLatents().length
                            + " values, expected " + latentShape + " = " + latentShape.size());
                }
                latents = run.create(req.initialLatents(), latentShape);
            } else {
                latents = run.create(gaussian(noise, latentShape.size()), latentShape);
            }
            if (scheduler.initNoiseSigma() != 1f) {
                latents = latents.mul(scheduler.initNoiseSigma());
            }
            int[] timesteps = scheduler.timesteps();
            for (int i = 0; i < timesteps.length; i++) {
                int t = timesteps[i];
                try (NDManager step = run.newSubManager()) {
                    // the scheduler's intermediates follow the sample's manager; freeing them with the step
                    latents.attach(step);
                    NDArray input = scheduler.scaleModelInput(latents, t);
                    NDArray modelInput = guided ? NDArrays.concat(new ai.djl.ndarray.NDList(input, input), 0) : input;
                    modelInput.attach(step);
                    NDArray ts = step.create(new long[] {t});
                    NDArray predicted = denoiser.forward(modelInput, ts, context);
                    predicted.attach(step);
                    NDArray guidedNoise = predicted;
                    if (guided) {
                        NDArray uncond = predicted.get(new NDIndex("0:{}", batch));
                        NDArray text = predicted.get(new NDIndex("{}:", batch));
                        guidedNoise = uncond.add(text.sub(uncond).mul(req.guidance()));
                        if (req.guidanceRescale() > 0f) {
                            guidedNoise = rescaleGuidance(guidedNoise, text, req.guidanceRescale());
                        }
                    }
                    NDArray variance = scheduler.needsVarianceNoise(t)
                            ? step.create(gaussian(noise, latentShape.size()), latentShape) : null;
                    NDArray next = scheduler.step(guidedNoise, t, latents, variance).prevSample();
                    next.attach(run);
                    latents = next;
                }
                req.listener().onStep(i + 1, timesteps.length);
            }
            float[] latentValues = latents.toFloatArray();
            float[] pixels;
            try (NDManager decode = run.newSubManager()) {
                NDArray unscaled = latents.div(vae.scalingFactor());
                unscaled.attach(decode);
                NDArray image = vae.decode(unscaled);
                image.attach(decode);
                pixels = image.div(2f).add(0.5f).clip(0f, 1f).toFloatArray();
            }
            List<BufferedImage> images = ImageOutput.toImages(pixels, batch, height, width);
            return new SampleResult(latentValues, latentShape.getShape(), pixels, height, width, images);
        }
    }

    /**
     * diffusers' rescale_noise_cfg: scale the guided prediction to the per-item standard deviation
     * (unbiased, over all non-batch dims) of the text prediction, blended by {@code phi}.
     */
    static NDArray rescaleGuidance(NDArray guided, NDArray text, float phi) {
        NDArray ratio = unbiasedStd(text).div(unbiasedStd(guided));
        NDArray rescaled = guided.mul(ratio);
        return rescaled.mul(phi).add(guided.mul(1f - phi));
    }

    /** Per-item unbiased std, shaped [B, 1, ..., 1] to broadcast back over the item. */
    private static NDArray unbiasedStd(NDArray x) {
        long batch = x.getShape().get(0);
        long n = x.getShape().size() / batch;
        // DJL's PyTorch mean/sum reduce one axis at a time, so flatten each item first
        NDArray flat = x.reshape(batch, n);
        NDArray centered = flat.sub(flat.mean(new int[] {1}, true));
        long[] shape = new long[x.getShape().dimension()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = batch;
        return centered.square().sum(new int[] {1}, true).div((float) (n - 1)).sqrt().reshape(shape);
    }

    private static float[] gaussian(Random rnd, long count) {
        float[] out = new float[Math.toIntExact(count)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) rnd.nextGaussian();
        }
        return out;
    }

    /** Writes each image as {@code prefix-<index>.png} in {@code dir} and returns the paths. */
    public static List<Path> writePng(SampleResult result, Path dir, String prefix) {
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < result.images().size(); i++) {
            Path p = dir.resolve(String.format("%s-%03d.png", prefix, i));
            ImageOutput.writePng(result.images().get(i), p);
            paths.add(p);
        }
        return paths;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (convertedUnet != null) {
                convertedUnet.close();
                convertedUnet = null;
            }
        }
        if (ownsModels) {
            unet.close();
            vae.close();
            textEncoder.close();
            manager.close();
        }
    }
}

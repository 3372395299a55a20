package dev.cdiff.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.WeightMap;
import dev.cdiff.diffusion.models.nn.AttentionSettings;
import dev.cdiff.diffusion.models.nn.CheckpointParams;
import dev.cdiff.diffusion.models.nn.Conv2d;
import dev.cdiff.diffusion.models.nn.Param;
import dev.cdiff.diffusion.models.nn.ParamSource;
import dev.cdiff.diffusion.models.nn.RandomParams;
import dev.cdiff.diffusion.models.vae.Decoder;
import dev.cdiff.diffusion.models.vae.Encoder;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

/**
 * diffusers AutoencoderKL built from config.json, parameters named as in the checkpoint (legacy
 * attention key names are normalised on load). Weights live in a sub-manager released by
 * {@link #close()}; results live in the input's manager.
 */
public final class AutoencoderKL implements AutoCloseable {
    private final VaeConfig config;
    private final NDManager manager;
    private final Map<String, Param> params;
    private final AttentionSettings attention = new AttentionSettings();
    private final Encoder encoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;
    private final Decoder decoder;

    private AutoencoderKL(VaeConfig config, ParamSource p, NDManager manager) {
        this.config = config;
        this.manager = manager;
        long moments = 2L * config.latentChannels();
        this.encoder = new Encoder(p, "encoder.", config, attention);
        this.decoder = new Decoder(p, "decoder.", config, attention);
        this.quantConv = config.useQuantConv() ? new Conv2d(p, "quant_conv.", moments, moments, 1, 1, 0) : null;
        this.postQuantConv = config.usePostQuantConv()
                ? new Conv2d(p, "post_quant_conv.", config.latentChannels(), config.latentChannels(), 1, 1, 0) : null;
        this.params = p.params();
    }

    public static AutoencoderKL load(Path vaeDir, NDManager m) {
        VaeConfig config = VaeConfig.parse(ModelFolder.readConfig(vaeDir));
        NDManager own = m.newSubManager();
        try {
            CheckpointParams source = new CheckpointParams(WeightMap.load(vaeDir, own));
            AutoencoderKL model = new AutoencoderKL(config, source, own);
            ModelFiles.requireAllUsed(source, "vae", vaeDir);
            return model;
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    public static AutoencoderKL create(JsonNode configJson, NDManager m, long seed) {
        VaeConfig config = VaeConfig.parse(configJson);
        NDManager own = m.newSubManager();
        try {
            return new AutoencoderKL(config, new RandomParams(own, seed), own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /** @param image [B, in_channels, H, W] in [-1, 1] */
    public DiagonalGaussian encode(NDArray image) {
        NDArray moments = encoder.forward(image);
        if (quantConv != null) {
            try (NDArray h = moments) {
                moments = quantConv.forward(h);
            }
        }
        try (NDArray mo = moments) {
            return DiagonalGaussian.fromMoments(mo);
        }
    }

    /** @param latents [B, latent_channels, h, w], already divided by the scaling factor */
    public NDArray decode(NDArray latents) {
        if (postQuantConv == null) {
            return decoder.forward(latents);
        }
        try (NDArray z = postQuantConv.forward(latents)) {
            return decoder.forward(z);
        }
    }

    public float scalingFactor() {
        return config.scalingFactor();
    }

    public float shiftFactor() {
        return config.shiftFactor();
    }

    public VaeConfig config() {
        return config;
    }

    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(ModelFiles.values(params));
    }

    public void setParameter(String name, NDArray value) {
        Param p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("vae has no parameter named " + name);
        }
        p.set(value);
    }

    public void save(Path dir) {
        ModelFiles.save(dir, config.json(), "AutoencoderKL", params);
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}

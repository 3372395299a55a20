package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.delta.BaseModelDigest;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.schedulers.DDPMScheduler;
import dev.cdiff.diffusion.schedulers.Scheduler;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;

import java.nio.file.Path;

/**
 * The base model parts training and delta application work on. The noise scheduler is a DDPM scheduler with the
 * betas and prediction_type of the model's scheduler config (as the reference trainer loads it).
 */
public record TrainingModels(ClipTokenizer tokenizer, ClipTextEncoder textEncoder, UNet2DConditionModel unet,
                             AutoencoderKL vae, Scheduler noiseScheduler, String baseModelDigest)
        implements AutoCloseable {

    public static TrainingModels load(Path modelDir, NDManager manager) {
        ModelFolder folder = new ModelFolder(modelDir);
        ClipTokenizer tokenizer = ClipTokenizer.load(folder.tokenizerDir());
        ClipTextEncoder text = ClipTextEncoder.load(folder.textEncoderDir(), manager);
        UNet2DConditionModel unet = null;
        try {
            unet = UNet2DConditionModel.load(folder.unetDir(), manager);
            AutoencoderKL vae = AutoencoderKL.load(folder.vaeDir(), manager);
            Scheduler scheduler = new DDPMScheduler(ModelFolder.readConfig(folder.schedulerDir()));
            return new TrainingModels(tokenizer, text, unet, vae, scheduler, BaseModelDigest.of(modelDir));
        } catch (RuntimeException e) {
            text.close();
            if (unet != null) {
                unet.close();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        textEncoder.close();
        unet.close();
        vae.close();
    }
}

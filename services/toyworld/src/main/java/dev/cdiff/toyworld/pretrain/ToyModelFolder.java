package dev.cdiff.toyworld.pretrain;

import dev.cdiff.diffusion.schedulers.Schedulers;
import dev.cdiff.diffusion.io.ModelFolder;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.toyworld.vocab.TokenizerFolderWriter;
import dev.cdiff.toyworld.vocab.ToyVocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a complete diffusers-layout model folder (model_index.json, tokenizer, text_encoder, unet, vae,
 * scheduler) for the toy world with randomly initialised weights: the starting point of pretraining and a
 * stand-in model for end-to-end pipeline tests.
 */
public final class ToyModelFolder {
    private ToyModelFolder() {}

    public static ToyModelSpec defaultSpec() {
        return ToyModelSpec.proposed(TokenizerFolderWriter.vocabSize(ToyVocabulary.words()));
    }

    public static ToyModelSpec defaultSpec(int latentChannels) {
        return defaultSpec(latentChannels, ToyModelSpec.proposedVaeChannels());
    }

    public static ToyModelSpec defaultSpec(int latentChannels, int[] vaeChannels) {
        return ToyModelSpec.proposed(TokenizerFolderWriter.vocabSize(ToyVocabulary.words()), latentChannels, vaeChannels);
    }

    public static void createRandom(Path dir, ToyModelSpec spec, long seed, NDManager manager) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.createDirectories(dir);
        int vocab = TokenizerFolderWriter.write(dir.resolve("tokenizer"));
        if (vocab != spec.vocabSize()) {
            throw new IllegalArgumentException("spec vocabSize " + spec.vocabSize() + " != tokenizer vocabulary " + vocab);
        }
        json.writeValue(dir.resolve("model_index.json").toFile(), ModelFolder.stableDiffusionIndex());
        Files.createDirectories(dir.resolve("scheduler"));
        json.writeValue(dir.resolve("scheduler/scheduler_config.json").toFile(), Schedulers.stableDiffusionDdimConfig());
        try (NDManager m = manager.newSubManager()) {
            try (ClipTextEncoder text = ClipTextEncoder.create(spec.textEncoderConfig(), m, seed)) {
                text.save(dir.resolve("text_encoder"));
            }
            try (UNet2DConditionModel unet = UNet2DConditionModel.create(spec.unetConfig(), m, seed + 1)) {
                unet.save(dir.resolve("unet"));
            }
            try (AutoencoderKL vae = AutoencoderKL.create(spec.vaeConfig(), m, seed + 2)) {
                vae.save(dir.resolve("vae"));
            }
        }
    }
}

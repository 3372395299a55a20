package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.schedulers.Schedulers;
import dev.cdiff.diffusion.io.ModelFolder;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.backend.ComputeDevice;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * A diffusers-layout model folder with random weights at a real model's shapes, so that compute-bound figures can be
 * measured (and compared with PyTorch loading the same folder) without a downloaded checkpoint.
 */
@Command(name = "make-model", mixinStandardHelpOptions = true,
        description = "Writes a diffusers-layout model folder with random weights at a known model's shapes.")
public final class MakeModelCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--shapes", defaultValue = "sd15", description = "Model family (only sd15).")
    String shapes;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--tokenizer-from", description = "Model folder whose tokenizer/ is copied (default: the project's "
            + "models/toy-base). A real CLIP vocabulary is not available offline, so the text encoder's vocabulary "
            + "follows this tokenizer; every other shape is the real model's.")
    Path tokenizerFrom;
    @Parameters(index = "0", description = "Output folder (must not exist).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!shapes.equals("sd15")) {
            throw new IllegalArgumentException("unknown --shapes " + shapes + " (sd15)");
        }
        if (Files.exists(out)) {
            throw new IllegalArgumentException(out + " exists");
        }
        Path from = tokenizerFrom != null ? tokenizerFrom
                : Path.of(System.getProperty("cdiff.home", "."), "models", "toy-base");
        JsonNode sourceText = JSON.readTree(from.resolve("text_encoder").resolve("config.json").toFile());
        Files.createDirectories(out.resolve("tokenizer"));
        try (Stream<Path> files = Files.list(from.resolve("tokenizer"))) {
            for (Path f : files.toList()) {
                Files.copy(f, out.resolve("tokenizer").resolve(f.getFileName()));
            }
        }
        JSON.writeValue(out.resolve("model_index.json").toFile(), ModelFolder.stableDiffusionIndex());
        Files.createDirectories(out.resolve("scheduler"));
        JSON.writeValue(out.resolve("scheduler").resolve("scheduler_config.json").toFile(), Schedulers.stableDiffusionDdimConfig());
        long start = System.nanoTime();
        try (NDManager m = ComputeDevice.newManager()) {
            // one component at a time: the UNet alone is 3.4 GB of float32
            try (NDManager c = m.newSubManager(); ClipTextEncoder text = ClipTextEncoder.create(sd15Text(sourceText), c, seed)) {
                text.save(out.resolve("text_encoder"));
            }
            try (NDManager c = m.newSubManager(); UNet2DConditionModel unet = UNet2DConditionModel.create(sd15Unet(), c, seed + 1)) {
                unet.save(out.resolve("unet"));
            }
            try (NDManager c = m.newSubManager(); AutoencoderKL vae = AutoencoderKL.create(sd15Vae(), c, seed + 2)) {
                vae.save(out.resolve("vae"));
            }
        }
        System.out.printf("make-model: %s shapes=sd15 seed=%d tokenizer from %s (%d ms)%n", out, seed, from,
                (System.nanoTime() - start) / 1_000_000);
        return 0;
    }

    /** runwayml/stable-diffusion-v1-5 unet/config.json. */
    static ObjectNode sd15Unet() {
        ObjectNode c = JSON.createObjectNode();
        c.put("_class_name", "UNet2DConditionModel");
        c.put("act_fn", "silu");
        c.put("attention_head_dim", 8);
        ArrayNode ch = c.putArray("block_out_channels");
        for (int v : new int[] {320, 640, 1280, 1280}) {
            ch.add(v);
        }
        c.putArray("down_block_types").add("CrossAttnDownBlock2D").add("CrossAttnDownBlock2D")
                .add("CrossAttnDownBlock2D").add("DownBlock2D");
        c.putArray("up_block_types").add("UpBlock2D").add("CrossAttnUpBlock2D").add("CrossAttnUpBlock2D")
                .add("CrossAttnUpBlock2D");
        c.put("center_input_sample", false);
        c.put("cross_attention_dim", 768);
        c.put("downsample_padding", 1);
        c.put("flip_sin_to_cos", true);
        c.put("freq_shift", 0);
        c.put("in_channels", 4);
        c.put("layers_per_block", 2);
        c.put("mid_block_scale_factor", 1);
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", 32);
        c.put("out_channels", 4);
        c.put("sample_size", 64);
        return c;
    }

    /** runwayml/stable-diffusion-v1-5 vae/config.json. */
    static ObjectNode sd15Vae() {
        ObjectNode c = JSON.createObjectNode();
        c.put("_class_name", "AutoencoderKL");
        c.put("act_fn", "silu");
        ArrayNode ch = c.putArray("block_out_channels");
        ArrayNode down = c.putArray("down_block_types");
        ArrayNode up = c.putArray("up_block_types");
        for (int v : new int[] {128, 256, 512, 512}) {
            ch.add(v);
            down.add("DownEncoderBlock2D");
            up.add("UpDecoderBlock2D");
        }
        c.put("in_channels", 3);
        c.put("latent_channels", 4);
        c.put("layers_per_block", 2);
        c.put("norm_num_groups", 32);
        c.put("out_channels", 3);
        c.put("sample_size", 512);
        c.put("scaling_factor", 0.18215);
        return c;
    }

    /** openai/clip-vit-large-patch14's text tower as in SD 1.5, with the copied tokenizer's vocabulary and ids. */
    static ObjectNode sd15Text(JsonNode tokenizerModel) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("CLIPTextModel");
        c.put("attention_dropout", 0.0);
        c.put("bos_token_id", tokenizerModel.path("bos_token_id").asInt());
        c.put("eos_token_id", tokenizerModel.path("eos_token_id").asInt());
        c.put("pad_token_id", tokenizerModel.path("pad_token_id").asInt());
        c.put("hidden_act", "quick_gelu");
        c.put("hidden_size", 768);
        c.put("initializer_factor", 1.0);
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", 3072);
        c.put("layer_norm_eps", 1e-5);
        c.put("max_position_embeddings", 77);
        c.put("model_type", "clip_text_model");
        c.put("num_attention_heads", 12);
        c.put("num_hidden_layers", 12);
        c.put("projection_dim", 768);
        c.put("vocab_size", tokenizerModel.path("vocab_size").asInt());
        return c;
    }
}

package dev.cdiff.toyworld.pretrain;

import dev.cdiff.diffusion.golden.GoldenFolder;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.toyworld.vocab.ToyVocabulary;
import dev.cdiff.toyworld.vocab.TokenizerFolderWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures parameter counts and the cost of one full-parameter training step (forward + backward) of candidate
 * toy base models, for PRETRAIN.md. Opt-in: -Dtoyworld.bench=true. Runs a handful of steps only.
 */
@EnabledIfSystemProperty(named = "toyworld.bench", matches = "true")
class PretrainCostBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode unetConfig(int[] channels, int layers, int crossDim, int sampleSize) throws Exception {
        ObjectNode c = (ObjectNode) JSON.readTree(Path.of(golden(), "models/tiny-sd/unet/config.json").toFile());
        ArrayNode ch = c.putArray("block_out_channels");
        for (int v : channels) ch.add(v);
        ArrayNode down = c.putArray("down_block_types");
        ArrayNode up = c.putArray("up_block_types");
        for (int i = 0; i < channels.length; i++) {
            down.add("CrossAttnDownBlock2D");
            up.add("CrossAttnUpBlock2D");
        }
        c.put("layers_per_block", layers);
        c.put("cross_attention_dim", crossDim);
        c.put("sample_size", sampleSize);
        c.put("norm_num_groups", 16);
        c.put("attention_head_dim", 8);
        return c;
    }

    static ObjectNode textConfig(int hidden, int layers) throws Exception {
        ObjectNode c = (ObjectNode) JSON.readTree(Path.of(golden(), "models/tiny-sd/text_encoder/config.json").toFile());
        int vocab = TokenizerFolderWriter.vocabSize(ToyVocabulary.words());
        c.put("vocab_size", vocab);
        c.put("bos_token_id", vocab - 2);
        c.put("eos_token_id", vocab - 1);
        c.put("pad_token_id", vocab - 1);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", hidden * 2);
        c.put("num_hidden_layers", layers);
        c.put("projection_dim", hidden);
        return c;
    }

    static ObjectNode vaeConfig(int[] channels) throws Exception {
        ObjectNode c = (ObjectNode) JSON.readTree(Path.of(golden(), "models/tiny-sd/vae/config.json").toFile());
        ArrayNode ch = c.putArray("block_out_channels");
        ArrayNode down = c.putArray("down_block_types");
        ArrayNode up = c.putArray("up_block_types");
        for (int v : channels) {
            ch.add(v);
            down.add("DownEncoderBlock2D");
            up.add("UpDecoderBlock2D");
        }
        c.put("sample_size", 32);
        return c;
    }

    static String golden() {
        return GoldenFolder.configured().toString();
    }

    static long count(Map<String, NDArray> params) {
        return params.values().stream().mapToLong(NDArray::size).sum();
    }

    /** Installs gradient leaves for every parameter (as the core's trainer does for its trainable subset). */
    static Map<String, NDArray> leaves(Map<String, NDArray> params, BiConsumer<String, NDArray> install, NDManager step) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            NDArray leaf = v.duplicate();
            leaf.attach(step);
            leaf.setRequiresGradient(true);
            install.accept(k, leaf);
            out.put(k, leaf);
        });
        return out;
    }

    /** "32,64;64,128" -> {{32,64},{64,128}}; an empty string gives no entries. */
    static int[][] parseChannels(String spec) {
        if (spec.isBlank()) return new int[0][];
        String[] groups = spec.split(";");
        int[][] out = new int[groups.length][];
        for (int i = 0; i < groups.length; i++) {
            out[i] = java.util.Arrays.stream(groups[i].split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
        }
        return out;
    }

    static Map<String, NDArray> masters(Map<String, NDArray> params, NDManager owner) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            NDArray copy = v.duplicate();
            copy.attach(owner);
            out.put(k, copy);
        });
        return out;
    }

    @Test
    void measure() throws Exception {
        int batch = Integer.getInteger("toyworld.bench.batch", 16);
        int steps = Integer.getInteger("toyworld.bench.steps", 3);
        int[][] unetChannels = parseChannels(System.getProperty("toyworld.bench.unet", "32,64;64,128;48,96,96"));
        int[][] vaeChannels = parseChannels(System.getProperty("toyworld.bench.vae", "32,64,64;32,64"));
        int[] latents = parseChannels(System.getProperty("toyworld.bench.latents", "8,16"))[0];
        try (NDManager root = NDManager.newBaseManager()) {
            ClipTextEncoder text = ClipTextEncoder.create(textConfig(64, 2), root, 1);
            Map<String, NDArray> textMasters = masters(text.parameters(), root);
            System.out.printf("text encoder params %d%n", count(text.parameters()));
            for (int[] vaeCh : vaeChannels) {
                AutoencoderKL vae = AutoencoderKL.create(vaeConfig(vaeCh), root, 2);
                Map<String, NDArray> vaeMasters = masters(vae.parameters(), root);
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    try (NDManager step = root.newSubManager()) {
                        Map<String, NDArray> lv = leaves(vaeMasters, vae::setParameter, step);
                        NDArray img = step.randomUniform(-1, 1, new Shape(batch, 3, 32, 32));
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray z = vae.encode(img).mean();
                            NDArray rec = vae.decode(z);
                            gc.backward(rec.sub(img).square().mean());
                        }
                        lv.values().forEach(l -> l.getGradient());
                    }
                }
                double ms = (System.nanoTime() - t0) / 1e6 / steps;
                System.out.printf("vae %s params %d step(B=%d) %.0f ms%n", java.util.Arrays.toString(vaeCh),
                    count(vaeMasters), batch, ms);
            }
            for (int[] ch : unetChannels) {
                for (int latent : latents) {
                    UNet2DConditionModel unet = UNet2DConditionModel.create(unetConfig(ch, 1, 64, latent), root, 3);
                    Map<String, NDArray> unetMasters = masters(unet.parameters(), root);
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        try (NDManager step = root.newSubManager()) {
                            leaves(unetMasters, unet::setParameter, step);
                            leaves(textMasters, text::setParameter, step);
                            NDArray ids = step.randomInteger(0, 300, new Shape(batch, 77), DataType.INT64);
                            NDArray x = step.randomNormal(new Shape(batch, 4, latent, latent));
                            NDArray t = step.randomInteger(0, 1000, new Shape(batch), DataType.INT64);
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                NDArray hidden = text.encode(ids);
                                hidden.attach(step);
                                NDArray pred = unet.forward(x, t, hidden);
                                pred.attach(step);
                                gc.backward(pred.sub(x).square().mean());
                            }
                        }
                    }
                    double ms = (System.nanoTime() - t0) / 1e6 / steps;
                    System.out.printf("unet %s latent %d params %d step(B=%d, with text encoder) %.0f ms%n",
                        java.util.Arrays.toString(ch), latent, count(unetMasters), batch, ms);
                }
            }
        }
    }
}

package dev.cdiff.toyworld.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.models.AutoencoderKL;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SampleResult;
import dev.cdiff.diffusion.pipelines.StableDiffusion;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;
import java.util.Arrays;
import dev.cdiff.toyworld.vocab.ToyVocabulary;
import dev.cdiff.toyworld.vocab.TokenizerFolderWriter;
import dev.cdiff.toyworld.world.ToyWorld;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short run of the full recipe on a miniature spec: both stages lower their loss and the result samples. */
class ToyBasePretrainingTest {
    private static final String TEXT_LAYER = "encoder.layers.1.self_attn.k_proj.weight";
    @TempDir
    Path dir;

    @Test
    void miniatureRecipeTrainsAndProducesALoadableModel() throws Exception {
        int vocab = TokenizerFolderWriter.vocabSize(ToyVocabulary.words());
        ToyModelSpec tiny = new ToyModelSpec(32, new int[] {8, 16, 16}, 4, new int[] {16, 32}, 1, 8, 8, 32, 2, 4, vocab);
        PretrainConfig vae = new PretrainConfig(40, 4, 3e-3, 2, 0.0, 1.0, 0.0, 1);
        PretrainConfig diffusion = new PretrainConfig(40, 4, 2e-3, 2, 0.01, 1.0, 0.1, 2);
        List<Double> losses = new ArrayList<>();
        ToyBasePretraining.Result result;
        try (NDManager root = NDManager.newBaseManager()) {
            ToyModelFolder.createRandom(dir, tiny, 1, root);
            ClipTokenizer tokenizer = ClipTokenizer.load(dir.resolve("tokenizer"));
            int red = tokenizer.tokenize("red").get(0);
            int unused = tokenizer.tokenize("painting").get(0);
            float[] redBefore;
            float[] unusedBefore;
            float[] positionsBefore;
            float[] layerBefore;
            try (ClipTextEncoder text = ClipTextEncoder.load(dir.resolve("text_encoder"), root)) {
                redBefore = text.tokenRow(red);
                unusedBefore = text.tokenRow(unused);
                positionsBefore = text.parameters().get(ClipTextEncoder.POSITION_EMBEDDING).toFloatArray();
                layerBefore = text.parameters().get(TEXT_LAYER).toFloatArray();
            }
            result = ToyBasePretraining.run(dir, ToyWorld.defaults(), tiny, vae, diffusion, 20, root,
                (step, total, loss, ms) -> losses.add(loss));
            assertEquals(80, losses.size());
            for (double l : losses) assertTrue(Double.isFinite(l), "loss " + l);
            double vaeStart = mean(losses.subList(0, 5));
            double vaeEnd = mean(losses.subList(30, 40));
            double diffStart = mean(losses.subList(40, 45));
            double diffEnd = mean(losses.subList(70, 80));
            System.out.printf("miniature pretraining: vae loss %.4f -> %.4f, diffusion loss %.4f -> %.4f, scaling %.4f%n",
                vaeStart, vaeEnd, diffStart, diffEnd, result.scalingFactor());
            assertTrue(vaeEnd < vaeStart, "VAE loss did not drop");
            assertTrue(diffEnd < diffStart, "diffusion loss did not drop");
            float written = (float) new ObjectMapper().readTree(dir.resolve("vae/config.json").toFile())
                .get("scaling_factor").asDouble();
            assertEquals(result.scalingFactor(), written, 1e-6);
            try (ClipTextEncoder text = ClipTextEncoder.load(dir.resolve("text_encoder"), root)) {
                assertFalse(Arrays.equals(redBefore, text.tokenRow(red)), "embedding of a caption word did not train");
                // "painting" never occurs in captions: only weight decay and Adam momentum of zero gradients touch it.
                float[] unusedAfter = text.tokenRow(unused);
                double drift = 0;
                for (int i = 0; i < unusedAfter.length; i++) drift = Math.max(drift, Math.abs(unusedAfter[i] - unusedBefore[i]));
                assertTrue(drift < 1e-2, "unused token row moved by " + drift);
                assertFalse(Arrays.equals(positionsBefore, text.parameters().get(ClipTextEncoder.POSITION_EMBEDDING).toFloatArray()),
                    "position embedding did not train");
                assertFalse(Arrays.equals(layerBefore, text.parameters().get(TEXT_LAYER).toFloatArray()),
                    "text encoder layer did not train");
            }
            try (StableDiffusion sd = StableDiffusion.load(dir, root)) {
                SampleResult r = sd.generate(SampleRequest.of("a red circle").steps(2).seed(1));
                assertEquals(32, r.width());
            }
        }
    }

    @Test
    void decoderStageTrainsOnlyTheDecoderAndKeepsTheLatentSpace() throws Exception {
        int vocab = TokenizerFolderWriter.vocabSize(ToyVocabulary.words());
        ToyModelSpec tiny = new ToyModelSpec(32, new int[] {8, 16, 16}, 4, new int[] {16, 32}, 1, 8, 8, 32, 2, 4, vocab);
        PretrainConfig decoder = new PretrainConfig(30, 4, 3e-3, 2, 0.0, 1.0, 0.0, 3);
        List<Double> losses = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager()) {
            ToyModelFolder.createRandom(dir, tiny, 1, root);
            Map<String, float[]> before = vaeWeights(root);
            float scaling = vaeScaling();
            // with the edge term and a pattern-heavy mix, as the committed model's last decoder stage
            ToyBasePretraining.Result r = ToyBasePretraining.run(dir, ToyWorld.defaults(), tiny, null, decoder,
                new DecoderObjective(1.0, 0.3, 0.3), null, 0, root, (step, total, loss, ms) -> losses.add(loss));
            assertEquals(30, losses.size());
            assertTrue(mean(losses.subList(25, 30)) < mean(losses.subList(0, 5)), "decoder loss did not drop: " + losses);
            assertTrue(r.vaeAcceptance() != null, "the decoder stage reports its round trip");
            Map<String, float[]> after = vaeWeights(root);
            int decoderChanged = 0;
            for (var e : before.entrySet()) {
                boolean decoderPart = e.getKey().startsWith("decoder.") || e.getKey().startsWith("post_quant_conv.");
                if (decoderPart) {
                    if (!Arrays.equals(e.getValue(), after.get(e.getKey()))) decoderChanged++;
                } else {
                    assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " is not part of the decoder");
                }
            }
            assertTrue(decoderChanged > 10, "only " + decoderChanged + " decoder tensors changed");
            assertEquals(scaling, vaeScaling(), 0f, "the latent scaling factor stays");
        }
    }

    private Map<String, float[]> vaeWeights(NDManager root) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        try (NDManager m = root.newSubManager(); AutoencoderKL vae = AutoencoderKL.load(dir.resolve("vae"), m)) {
            vae.parameters().forEach((k, v) -> out.put(k, v.toFloatArray()));
        }
        return out;
    }

    private float vaeScaling() throws Exception {
        return (float) new ObjectMapper().readTree(dir.resolve("vae/config.json").toFile()).get("scaling_factor").asDouble();
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}

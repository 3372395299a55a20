package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.golden.GoldenFolder;

import dev.cdiff.diffusion.training.CustomDiffusionTrainer;
import dev.cdiff.diffusion.training.TrainingFixtures;
import dev.cdiff.diffusion.training.TrainingConfig;
import dev.cdiff.diffusion.training.TrainingListener;
import dev.cdiff.diffusion.training.TrainingModels;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.StableDiffusion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A delta trained on tiny-sd, stored in every format, applied to a freshly loaded base model must sample the same
 * images as the model it was trained in (fixed seed, fixed steps).
 */
class DeltaRoundTripSamplingTest {
    private static final String PROMPT = "photo of a <new1> dog";

    @TempDir
    static Path tmp;

    private static Delta trained;
    private static float[] trainedPixels;
    private static float[] basePixels;

    private static SampleRequest request() {
        return new SampleRequest(List.of(PROMPT)).steps(6).guidance(4f).seed(11).scheduler("ddim");
    }

    @BeforeAll
    static void train() {
        Path base = GoldenFolder.tinySd();
        try (NDManager m = NDManager.newBaseManager()) {
            try (TrainingModels models = TrainingModels.load(base, m)) {
                TrainingConfig cfg = TrainingFixtures.fastConfig(TrainingFixtures.dogConcept(true))
                        .steps(8).build();
                try (CustomDiffusionTrainer t = new CustomDiffusionTrainer(models, cfg, m)) {
                    t.train(TrainingListener.NONE);
                    trained = t.toDelta();
                }
                StableDiffusion sd = new StableDiffusion(models.tokenizer(), models.textEncoder(), models.unet(),
                        models.vae(), ModelFolder.readConfig(new ModelFolder(base).schedulerDir()), m);
                trainedPixels = sd.generate(request()).pixels();
            }
            try (StableDiffusion sd = StableDiffusion.load(base, m)) {
                sd.tokenizer().addToken("<new1>");
                sd.textEncoder().addTokenRows(new float[][] {trained.tokenEmbeddings().get("<new1>")});
                basePixels = sd.generate(request()).pixels();
            }
        }
    }

    private static float[] sampleWith(Function<StableDiffusion, Void> apply) {
        try (NDManager m = NDManager.newBaseManager(); StableDiffusion sd = StableDiffusion.load(GoldenFolder.tinySd(), m)) {
            apply.apply(sd);
            return sd.generate(request()).pixels();
        }
    }

    private static Void apply(StableDiffusion sd, Delta d) {
        DeltaApplier.apply(d, sd.tokenizer(), sd.textEncoder(), sd.unet(), BaseModelDigest.of(GoldenFolder.tinySd()));
        return null;
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static void assertSameSamples(String what, float[] pixels, double tol) {
        double diff = maxDiff(pixels, trainedPixels);
        double vsBase = maxDiff(basePixels, trainedPixels);
        System.out.printf("%s: max pixel diff %.3g (trained vs base model with the same token row: %.3g)%n", what, diff, vsBase);
        assertTrue(vsBase > 10 * tol, "training changed the samples too little to test " + what);
        assertTrue(diff <= tol, what + " samples differ by " + diff);
    }

    @Test
    void fullDelta() {
        Path f = tmp.resolve("full.safetensors");
        trained.write(f);
        assertSameSamples("full", sampleWith(sd -> apply(sd, Delta.read(f))), 1e-4);
    }

    @Test
    void fp16Delta() {
        Path f = tmp.resolve("fp16.safetensors");
        trained.withKind(DeltaKind.FP16).write(f);
        assertSameSamples("fp16", sampleWith(sd -> apply(sd, Delta.read(f))), 5e-3);
    }

    @Test
    void lowRankDeltaAtFullRank() {
        Path f = tmp.resolve("lowrank.safetensors");
        sampleWith(sd -> {
            var kv = sd.unet().crossAttentionKv();
            LowRankDelta.compress(trained, k -> kv.get(k).toFloatArray(), LowRankDelta.Policy.fullRank()).write(f);
            return null;
        });
        assertSameSamples("lowrank full rank", sampleWith(sd -> apply(sd, Delta.read(f))), 1e-4);
    }

    @Test
    void diffusersExportImport() {
        Path dir = tmp.resolve("diffusers");
        DiffusersExport.export(trained, k -> null, List.of(), dir);
        assertSameSamples("diffusers export/import",
                sampleWith(sd -> apply(sd, DiffusersExport.importFolder(dir, ""))), 1e-4);
    }
}

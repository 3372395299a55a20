package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.golden.GoldenFolder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.schedulers.DDPMScheduler;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The same training step repeated must give bit-identical gradients. Guards against use-after-free of tensors that
 * autograd saves (e.g. DJL's mul(Number) scalars, docs/djl-notes.md, point 1), which shows up as
 * occasional NaN or differing gradients.
 */
class TrainStepDeterminismTest {
    @Test
    void repeatedIdenticalStepsGiveIdenticalGradients() {
        ModelFolder folder = new ModelFolder(GoldenFolder.tinySd());
        try (NDManager m = NDManager.newBaseManager();
             SafeTensors st = SafeTensors.open(GoldenFolder.configured().resolve("cases/custom_diffusion_step.safetensors"));
             ClipTextEncoder text = ClipTextEncoder.load(folder.textEncoderDir(), m);
             UNet2DConditionModel unet = UNet2DConditionModel.load(folder.unetDir(), m)) {
            DDPMScheduler scheduler = new DDPMScheduler(ModelFolder.readConfig(folder.schedulerDir()));
            unet.setDetachFirstTokenKv(true);
            float[] row = st.loadFloats("in.token_embedding.new");
            int id = text.vocabSize();
            text.addTokenRows(new float[][] {row});
            Map<String, NDArray> initial = new LinkedHashMap<>();
            for (String n : st.names()) {
                if (n.startsWith("in.weight.")) {
                    initial.put(n.substring("in.weight.".length()), st.load(n, m));
                }
            }
            Map<String, float[]> reference = null;
            try (TrainableWeights w = new TrainableWeights(m, initial, new float[][] {row}, new int[] {id})) {
                for (int it = 0; it < 40; it++) {
                    try (NDManager sm = m.newSubManager()) {
                        NDArray mask = st.load("in.mask", sm);
                        TrainingBatch b = new TrainingBatch(st.load("in.latents", sm), st.load("in.noise", sm),
                                st.load("in.timesteps", sm), st.load("in.input_ids", sm), mask, 2);
                        Map<String, NDArray> leaves = w.installLeaves(unet, sm);
                        Map<String, float[]> grads = new LinkedHashMap<>();
                        try {
                            CustomDiffusionLoss.compute(text, unet, scheduler, b, leaves, w.tokenIds(), 1.0, sm)
                                    .grads().forEach((k, g) -> grads.put(k, g.toFloatArray()));
                        } finally {
                            w.installMasters(unet);
                        }
                        if (reference == null) {
                            reference = grads;
                        } else {
                            for (var e : reference.entrySet()) {
                                assertArrayEquals(e.getValue(), grads.get(e.getKey()), 0f,
                                        "iteration " + it + " gradient of " + e.getKey());
                            }
                        }
                    }
                    if (it % 10 == 9) {
                        System.gc();
                    }
                }
            }
        }
    }
}

package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.ComputeDevice;
import dev.cdiff.diffusion.training.AdamW;
import dev.cdiff.diffusion.training.CustomDiffusionLoss;
import dev.cdiff.diffusion.training.TrainableWeights;
import dev.cdiff.diffusion.training.TrainingBatch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.schedulers.DDPMScheduler;
import dev.cdiff.diffusion.schedulers.Scheduler;
import dev.cdiff.diffusion.text.ClipTextEncoder;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kind "train_step": loss, gradients and one AdamW update of every attn2 to_k/to_v weight and of the new token's
 * embedding row, from the case's latents, noise, timesteps, ids and mask (first half target items, second half
 * regularization items). The reference step does not clip gradients.
 */
public final class TrainStepCaseRunner implements GoldenCaseRunner {
    private static final String WEIGHT = "in.weight.";
    private static final String NEW_ROW = "token_embedding.new";

    @Override
    public String kind() {
        return "train_step";
    }

    @Override
    public CaseResult run(JsonNode spec, Path goldenDir) {
        ToleranceCheck check = GoldenCases.tolerance(spec);
        Path modelDir = GoldenCases.modelDir(spec, goldenDir);
        ModelFolder folder = new ModelFolder(modelDir);
        try (NDManager m = ComputeDevice.newManager();
             SafeTensors st = GoldenCases.tensors(spec, goldenDir);
             ClipTextEncoder text = ClipTextEncoder.load(folder.textEncoderDir(), m);
             UNet2DConditionModel unet = UNet2DConditionModel.load(folder.unetDir(), m)) {
            Scheduler scheduler = new DDPMScheduler(ModelFolder.readConfig(folder.schedulerDir()));
            String expectedPrediction = spec.path("prediction_type").asText(scheduler.predictionType());
            if (!expectedPrediction.equals(scheduler.predictionType())) {
                return CaseResult.cannotRun("case wants prediction_type " + expectedPrediction + " but the scheduler has "
                        + scheduler.predictionType());
            }
            unet.setDetachFirstTokenKv(true);
            float[] newRow = st.loadFloats("in." + NEW_ROW);
            int newId = text.vocabSize();
            text.addTokenRows(new float[][] {newRow});

            Map<String, NDArray> initial = new LinkedHashMap<>();
            for (String name : st.names()) {
                if (name.startsWith(WEIGHT)) {
                    initial.put(name.substring(WEIGHT.length()), st.load(name, m));
                }
            }
            if (!initial.keySet().equals(unet.crossAttentionKv().keySet())) {
                return CaseResult.cannotRun("case weights " + initial.keySet() + " do not match the UNet's attn2 K/V "
                        + unet.crossAttentionKv().keySet());
            }
            JsonNode opt = spec.path("optimizer");
            if (!"AdamW".equals(opt.path("name").asText("AdamW"))) {
                return CaseResult.cannotRun("optimizer " + opt.path("name").asText() + " is not supported");
            }
            AdamW.Hyper hyper = new AdamW.Hyper(opt.path("lr").asDouble(), opt.path("betas").path(0).asDouble(0.9),
                    opt.path("betas").path(1).asDouble(0.999), opt.path("eps").asDouble(1e-8),
                    opt.path("weight_decay").asDouble(1e-2));
            try (TrainableWeights weights = new TrainableWeights(m, initial, new float[][] {newRow}, new int[] {newId});
                 AdamW adam = new AdamW(hyper, m);
                 NDManager step = m.newSubManager()) {
                NDArray mask = st.load("in.mask", step);
                TrainingBatch batch = new TrainingBatch(st.load("in.latents", step), st.load("in.noise", step),
                        st.load("in.timesteps", step), st.load("in.input_ids", step), mask,
                        (int) mask.getShape().get(0));
                Map<String, NDArray> leaves = weights.installLeaves(unet, step);
                CustomDiffusionLoss.Result r;
                try {
                    r = CustomDiffusionLoss.compute(text, unet, scheduler, batch, leaves, weights.tokenIds(),
                            spec.path("prior_loss_weight").asDouble(1.0), step);
                } finally {
                    weights.installMasters(unet);
                }
                check.check("out.loss", new float[] {r.loss()}, st.loadFloats("out.loss"));
                check.check("out.loss_instance", new float[] {r.instanceLoss()}, st.loadFloats("out.loss_instance"));
                if (st.contains("out.loss_prior")) {
                    check.check("out.loss_prior", new float[] {r.priorLoss()}, st.loadFloats("out.loss_prior"));
                }
                for (String key : initial.keySet()) {
                    check.check("out.grad." + key, r.grads().get(key).toFloatArray(), st.loadFloats("out.grad." + key));
                }
                check.check("out.grad." + NEW_ROW, r.grads().get(TrainableWeights.TOKEN_ROWS).toFloatArray(),
                        st.loadFloats("out.grad." + NEW_ROW));
                adam.step(weights.all(), r.grads(), step);
                for (String key : initial.keySet()) {
                    check.check("out.step." + key, weights.unetMasters().get(key).toFloatArray(),
                            st.loadFloats("out.step." + key));
                }
                check.check("out.step." + NEW_ROW, weights.tokenRows().toFloatArray(), st.loadFloats("out.step." + NEW_ROW));
            }
        }
        return check.result();
    }
}

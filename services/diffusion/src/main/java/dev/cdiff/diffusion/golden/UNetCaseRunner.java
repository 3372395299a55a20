package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.models.UNet2DConditionModel;

import java.nio.file.Path;

/** Kind "unet": in.sample, in.timestep, in.encoder_hidden_states -> out.sample. */
public final class UNetCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "unet";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        Path dir = GoldenCases.modelDir(caseSpec, goldenDir).resolve("unet");
        ToleranceCheck check = GoldenCases.tolerance(caseSpec);
        try (NDManager m = ComputeDevice.newManager();
             SafeTensors t = GoldenCases.tensors(caseSpec, goldenDir);
             UNet2DConditionModel unet = UNet2DConditionModel.load(dir, m);
             NDManager step = m.newSubManager()) {
            NDArray out = unet.forward(t.load("in.sample", step), t.load("in.timestep", step),
                    t.load("in.encoder_hidden_states", step));
            check.check("out.sample", out.toFloatArray(), t.loadFloats("out.sample"));
        }
        return check.result();
    }
}

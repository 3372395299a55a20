package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.models.AutoencoderKL;

import java.nio.file.Path;

/** Kind "vae_decode": in.latents (unscaled) -> out.image. */
public final class VaeDecodeCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "vae_decode";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        Path dir = GoldenCases.modelDir(caseSpec, goldenDir).resolve("vae");
        ToleranceCheck check = GoldenCases.tolerance(caseSpec);
        try (NDManager m = ComputeDevice.newManager();
             SafeTensors t = GoldenCases.tensors(caseSpec, goldenDir);
             AutoencoderKL vae = AutoencoderKL.load(dir, m);
             NDManager step = m.newSubManager()) {
            NDArray image = vae.decode(t.load("in.latents", step));
            check.check("out.image", image.toFloatArray(), t.loadFloats("out.image"));
        }
        return check.result();
    }
}

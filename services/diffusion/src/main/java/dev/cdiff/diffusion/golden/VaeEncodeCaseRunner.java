package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.models.AutoencoderKL;
import dev.cdiff.diffusion.models.DiagonalGaussian;

import java.nio.file.Path;

/** Kind "vae_encode": in.image in [-1, 1] -> posterior out.mean, out.logvar. */
public final class VaeEncodeCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "vae_encode";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        Path dir = GoldenCases.modelDir(caseSpec, goldenDir).resolve("vae");
        ToleranceCheck check = GoldenCases.tolerance(caseSpec);
        try (NDManager m = ComputeDevice.newManager();
             SafeTensors t = GoldenCases.tensors(caseSpec, goldenDir);
             AutoencoderKL vae = AutoencoderKL.load(dir, m);
             NDManager step = m.newSubManager();
             DiagonalGaussian posterior = vae.encode(t.load("in.image", step))) {
            check.check("out.mean", posterior.mean().toFloatArray(), t.loadFloats("out.mean"));
            check.check("out.logvar", posterior.logvar().toFloatArray(), t.loadFloats("out.logvar"));
        }
        return check.result();
    }
}

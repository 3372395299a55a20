package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.text.ClipTextEncoder;

import java.nio.file.Path;

/** Kind "text_encoder": in.input_ids -> out.last_hidden_state. */
public final class TextEncoderCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "text_encoder";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        Path dir = GoldenCases.modelDir(caseSpec, goldenDir).resolve("text_encoder");
        ToleranceCheck check = GoldenCases.tolerance(caseSpec);
        try (NDManager m = ComputeDevice.newManager();
             SafeTensors t = GoldenCases.tensors(caseSpec, goldenDir);
             ClipTextEncoder encoder = ClipTextEncoder.load(dir, m)) {
            NDArray ids = t.load("in.input_ids", m);
            NDArray hidden = encoder.encode(ids);
            check.check("out.last_hidden_state", hidden.toFloatArray(), t.loadFloats("out.last_hidden_state"));
        }
        return check.result();
    }
}

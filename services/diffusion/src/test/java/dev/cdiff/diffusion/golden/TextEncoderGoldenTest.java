package dev.cdiff.diffusion.golden;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class TextEncoderGoldenTest {
    @Test
    void matchesReferenceForCurrentAndLegacyKeys() {
        for (ObjectNode spec : GoldenCaseSupport.casesOfKind("text_encoder")) {
            for (String model : new String[] {"tiny-sd", "tiny-sd-legacy"}) {
                spec.put("model", model);
                CaseResult r = new TextEncoderCaseRunner().run(spec, GoldenFolder.configured());
                System.out.printf("text_encoder %s maxAbsErr=%.3e %s%n", model, r.maxAbsErr(), r.detail());
                assertTrue(r.passed(), model + ": " + r.detail());
            }
        }
    }
}

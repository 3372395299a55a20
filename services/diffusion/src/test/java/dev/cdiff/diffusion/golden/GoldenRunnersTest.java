package dev.cdiff.diffusion.golden;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

class GoldenRunnersTest {
    private static JsonNode caseNamed(Path golden, String name) {
        for (JsonNode c : GoldenCases.manifest(golden).path("cases")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no case " + name);
    }

    @Test
    void mergeCasePasses() {
        Path g = GoldenFolder.configured();
        CaseResult r = new MergeCaseRunner().run(caseNamed(g, "merge_closed_form"), g);
        System.out.println("merge_closed_form maxAbsErr " + r.maxAbsErr() + " " + r.detail());
        assertTrue(r.passed(), r.detail());
    }

    @Test
    void trainStepCasePasses() {
        Path g = GoldenFolder.configured();
        CaseResult r = new TrainStepCaseRunner().run(caseNamed(g, "custom_diffusion_step"), g);
        System.out.println("custom_diffusion_step maxAbsErr " + r.maxAbsErr() + " " + r.detail());
        assertTrue(r.passed(), r.detail());
    }
}

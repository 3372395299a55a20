package dev.cdiff.diffusion.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.golden.UNetCaseRunner;
import dev.cdiff.diffusion.golden.VaeDecodeCaseRunner;
import dev.cdiff.diffusion.golden.VaeEncodeCaseRunner;
import dev.cdiff.diffusion.golden.CaseResult;
import dev.cdiff.diffusion.golden.GoldenCaseRunner;
import dev.cdiff.diffusion.golden.GoldenCases;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelGoldenTest {
    private static ObjectNode caseNamed(String name) {
        for (JsonNode c : GoldenCases.manifest(GoldenFolder.configured()).path("cases")) {
            if (c.path("name").asText().equals(name)) {
                return (ObjectNode) c.deepCopy();
            }
        }
        throw new AssertionError("no golden case " + name);
    }

    private static void assertCase(GoldenCaseRunner runner, String name, String model) throws Exception {
        ObjectNode spec = caseNamed(name);
        spec.put("model", model);
        CaseResult r = runner.run(spec, GoldenFolder.configured());
        System.out.printf("%s %s maxAbsErr=%.3e %s%n", name, model, r.maxAbsErr(), r.detail());
        assertTrue(r.passed(), name + " on " + model + ": " + r.detail());
    }

    @Test
    void unetMatchesReference() throws Exception {
        assertCase(new UNetCaseRunner(), "unet", "tiny-sd");
    }

    @Test
    void vaeEncodeMatchesReferenceWithCurrentAndLegacyKeys() throws Exception {
        assertCase(new VaeEncodeCaseRunner(), "vae_encode", "tiny-sd");
        assertCase(new VaeEncodeCaseRunner(), "vae_encode", "tiny-sd-legacy");
    }

    @Test
    void vaeDecodeMatchesReferenceWithCurrentAndLegacyKeys() throws Exception {
        assertCase(new VaeDecodeCaseRunner(), "vae_decode", "tiny-sd");
        assertCase(new VaeDecodeCaseRunner(), "vae_decode", "tiny-sd-legacy");
    }

    @Test
    void runnersAreRegisteredForServiceLoader() throws Exception {
        java.util.Set<String> kinds = new java.util.HashSet<>();
        try (var in = getClass().getResourceAsStream(
                "/META-INF/services/dev.cdiff.diffusion.golden.GoldenCaseRunner")) {
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            for (String line : text.split("\\R")) {
                if (!line.isBlank()) {
                    GoldenCaseRunner r = (GoldenCaseRunner) Class.forName(line.trim()).getConstructor().newInstance();
                    kinds.add(r.kind());
                }
            }
        }
        // every kind of the reference set has a registered runner, the model kinds among them
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of("unet", "vae_encode", "vae_decode", "tokenizer",
                "text_encoder", "scheduler_add_noise", "scheduler_step", "pipeline", "train_step", "merge"), kinds);
    }
}

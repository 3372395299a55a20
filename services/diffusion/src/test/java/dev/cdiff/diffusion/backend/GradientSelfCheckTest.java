package dev.cdiff.diffusion.backend;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.golden.GoldenFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientSelfCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A copy of the reference set whose train step asks for a different prior-loss weight than the one its
     *  reference gradients were made with: this machine's gradients then disagree with the file, as a wrong kernel's
     *  would. */
    private Path referenceSetWithWrongGradients() throws IOException {
        Path src = GoldenFolder.configured();
        for (String f : List.of("cases/custom_diffusion_step.safetensors", "models/tiny-sd/model_index.json",
                "models/tiny-sd/scheduler/scheduler_config.json", "models/tiny-sd/text_encoder/config.json",
                "models/tiny-sd/text_encoder/model.safetensors", "models/tiny-sd/unet/config.json",
                "models/tiny-sd/unet/diffusion_pytorch_model.safetensors")) {
            Files.createDirectories(tmp.resolve(f).getParent());
            Files.copy(src.resolve(f), tmp.resolve(f));
        }
        ObjectNode manifest = (ObjectNode) JSON.readTree(src.resolve("manifest.json").toFile());
        manifest.withArray("cases").forEach(c -> {
            if ("train_step".equals(c.path("kind").asText())) {
                ((ObjectNode) c).put("prior_loss_weight", 2.5);
            }
        });
        JSON.writeValue(tmp.resolve("manifest.json").toFile(), manifest);
        return tmp;
    }

    @Test
    void passesOnTheBundledReferenceStepWithinTheTimeBudgetOfATrainingStart() {
        GradientSelfCheck.Result r = GradientSelfCheck.run();
        System.out.println(r.summary());
        assertTrue(r.passed(), r.detail());
        assertTrue(r.maxAbsError() < 1e-4);
    }

    @Test
    void wrongGradientsFailTheCheckAndTheRefusalNamesBackendAndWorkaround() throws IOException {
        GradientSelfCheck.Result r = GradientSelfCheck.run(referenceSetWithWrongGradients());
        assertFalse(r.passed(), "gradients made with another loss weight must not pass");
        String message = new BackendGradientException(r).getMessage();
        System.out.println(message);
        Engine engine = Engine.getInstance();
        for (String part : List.of(engine.getEngineName(), engine.getVersion(), "oneDNN ISA " + r.backend().isa(),
                r.backend().threads() + " threads", "device " + r.backend().device(), "ONEDNN_MAX_CPU_ISA=SSE41")) {
            assertTrue(message.contains(part), "the refusal must name " + part + ": " + message);
        }
    }

    @Test
    void fingerprintRoundTripsThroughItsEncodedForm() {
        BackendFingerprint f = BackendFingerprint.current();
        String encoded = f.encode();
        assertEquals(f.toMap().keySet(), Set.of("engine", "djl", "isa", "isa_cap", "threads", "device", "cpu"));
        for (var e : f.toMap().entrySet()) {
            assertTrue(encoded.contains(e.getKey() + "="), encoded);
        }
        assertEquals(encoded, BackendFingerprint.current().encode(), "the fingerprint of one process is stable");
    }

    @Test
    void isaLevelsFollowTheCpuFlagsAndTheCap() {
        assertEquals("avx512_core_bf16", OneDnnIsa.fromFlags(Set.of("sse4_1", "avx", "avx2", "avx512f", "avx512bw",
                "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16")));
        assertEquals("avx2", OneDnnIsa.fromFlags(Set.of("sse4_1", "avx", "avx2")));
        assertEquals("sse41", OneDnnIsa.fromFlags(Set.of("sse4_1")));
        assertEquals("avx2", OneDnnIsa.effective("avx512_core_bf16", "AVX2"));
        assertEquals("avx2", OneDnnIsa.effective("avx2", "AVX512_CORE"), "a cap above the CPU changes nothing");
        assertEquals("avx512_core_bf16", OneDnnIsa.effective("avx512_core_bf16", null));
    }
}

package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SamplingPrecision;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplePresetOptionsTest {
    private static SampleRequest parse(String... args) {
        SampleCommand c = new SampleCommand();
        new CommandLine(c).parseArgs(args);
        return c.request();
    }

    @Test
    void withoutOptionsSamplingIsThePapersDdpm200Guidance6() {
        SampleRequest r = parse("--model", "m", "a dog");
        assertEquals("ddpm", r.scheduler());
        assertEquals(200, r.steps());
        assertEquals(6f, r.guidance());
        assertEquals(0f, r.eta());
    }

    @Test
    void fastPresetIsDdim50AndSingleOptionsOverrideAPreset() {
        SampleRequest fast = parse("--model", "m", "--preset", "fast", "a dog");
        assertEquals("ddim", fast.scheduler());
        assertEquals(50, fast.steps());
        assertEquals(6f, fast.guidance());
        SampleRequest tuned = parse("--model", "m", "--preset", "fast", "--steps", "12", "--guidance", "7.5",
                "--eta", "0.5", "a dog");
        assertEquals("ddim", tuned.scheduler());
        assertEquals(12, tuned.steps());
        assertEquals(7.5f, tuned.guidance());
        assertEquals(0.5f, tuned.eta());
    }

    @Test
    void precisionIsFp32UnlessAskedAndBf16IsRefused() {
        assertEquals(SamplingPrecision.FP32, parse("--model", "m", "a dog").precision());
        assertEquals(SamplingPrecision.FP16, parse("--model", "m", "--precision", "fp16", "a dog").precision());
        assertEquals(SamplingPrecision.FP16, parse("--model", "m", "--half", "a dog").precision());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--model", "m", "--precision", "bf16", "a dog"));
        assertTrue(e.getMessage().contains("bf16"), e.getMessage());
    }

    @Test
    void unknownPresetIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--model", "m", "--preset", "quick", "a dog"));
        assertTrue(e.getMessage().contains("paper or fast"), e.getMessage());
    }
}

package dev.cdiff.diffusion.golden;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the golden framework (ServiceLoader runners) over the tokenizer, text encoder and scheduler cases. */
class TextSchedulerAndPipelineCasesTest {
    private static final Set<String> KINDS = Set.of("tokenizer", "text_encoder", "scheduler_add_noise", "scheduler_step", "pipeline");

    @Test
    void everyTokenizerTextEncoderSchedulerAndPipelineCasePasses() {
        GoldenCheck check = GoldenCheck.withRegisteredRunners();
        List<GoldenCheck.CaseOutcome> outcomes = check.run(GoldenFolder.configured(),
                spec -> KINDS.contains(spec.path("kind").asText()), System.out);
        assertFalse(outcomes.isEmpty());
        for (GoldenCheck.CaseOutcome o : outcomes) {
            assertTrue(o.result().passed(), o.line());
        }
    }
}

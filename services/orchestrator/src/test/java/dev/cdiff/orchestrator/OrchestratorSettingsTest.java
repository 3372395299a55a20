package dev.cdiff.orchestrator;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrchestratorSettingsTest {
    @Test
    void defaultsFollowThePaper() {
        OrchestratorSettings s = OrchestratorSettings.defaults();
        assertEquals("photo of a {class}", s.classPromptTemplate());
        assertEquals(200, s.regularizationMaxImages());
        assertEquals(0.85, s.regularizationMinSimilarity());
        assertEquals("<new1>", s.modifierToken());
        assertEquals("ktn", s.defaultInitializerWord());
        assertEquals(250, s.trainingSteps());
        assertEquals(8, s.trainingBatchSize());
        assertEquals(1e-5, s.trainingLearningRate());
        assertEquals(1.0, s.trainingPriorLossWeight());
        assertEquals(6.0, s.sampleGuidanceScale());
        assertEquals(200, s.sampleSteps());
        assertEquals("ddpm", s.sampleScheduler());
        assertEquals(List.of("photo of a {token} {class}", "a {token} {class} on the beach"), s.samplePromptTemplates());
    }

    @Test
    void environmentSpellingAndPropertySpellingBothWork() {
        OrchestratorConfig config = OrchestratorConfig.from(Map.of(
                "ORCHESTRATOR_TRAINING_STEPS", "40",
                "orchestrator.sampling.prompts", "a {token} {class} | {token} {class} in snow",
                "WORK_DIR", "/tmp/ws",
                "orchestrator.http.port", "9999"));
        assertEquals(40, config.settings().trainingSteps());
        assertEquals(List.of("a {token} {class}", "{token} {class} in snow"), config.settings().samplePromptTemplates());
        assertEquals(9999, config.httpPort());
        assertEquals("127.0.0.1", config.httpHost());
        assertEquals(Path.of("/tmp/ws/orchestrator/streams-state"), config.stateDir());
        assertEquals("cdiff-orchestrator", config.applicationId());
    }

    @Test
    void badValuesNameTheirSetting() {
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
                () -> OrchestratorSettings.fromMap(Map.of("orchestrator.training.steps", "many")));
        assertTrue(steps.getMessage().contains("orchestrator.training.steps"), steps.getMessage());
        IllegalArgumentException scheduler = assertThrows(IllegalArgumentException.class,
                () -> OrchestratorSettings.fromMap(Map.of("orchestrator.sampling.scheduler", "euler")));
        assertTrue(scheduler.getMessage().contains("orchestrator.sampling.scheduler"), scheduler.getMessage());
        IllegalArgumentException template = assertThrows(IllegalArgumentException.class,
                () -> OrchestratorSettings.fromMap(Map.of("orchestrator.sampling.prompts", "a dog on the beach")));
        assertTrue(template.getMessage().contains("{token}"), template.getMessage());
        IllegalArgumentException similarity = assertThrows(IllegalArgumentException.class,
                () -> OrchestratorSettings.fromMap(Map.of("orchestrator.regularization.min-similarity", "1.5")));
        assertTrue(similarity.getMessage().contains("min-similarity"), similarity.getMessage());
    }
}

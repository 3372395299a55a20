package dev.cdiff.cli.stack;

import dev.cdiff.platform.config.ServiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StackConfigTest {

    @Test
    void serviceNamesResolveCaseInsensitivelyAndUnknownNamesListTheKnownOnes() {
        assertEquals(PipelineService.TRAINING, PipelineService.named(" Training "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PipelineService.named("trainer"));
        assertTrue(e.getMessage().contains("'trainer'") && e.getMessage().contains(
                "[ingestion, retrieval, training, merging, sampling, orchestrator, gateway, archiver]"), e.getMessage());
    }

    @Test
    void endpointsSurviveARoundTripThroughTheirFile(@TempDir Path dir) {
        Path file = dir.resolve("endpoints.properties");
        new Endpoints(Map.of(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:1234",
                Endpoints.GATEWAY_URL, "http://127.0.0.1:9/x")).save(file);
        Endpoints loaded = Endpoints.load(file);
        assertEquals("127.0.0.1:1234", loaded.kafkaBootstrapServers());
        assertEquals("http://127.0.0.1:9/x", loaded.required(Endpoints.GATEWAY_URL));
        assertEquals("training", loaded.serviceConfig("training").serviceName());
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> loaded.required(Endpoints.API_KEY));
        assertTrue(missing.getMessage().contains("./cdiff up"), missing.getMessage());
    }

    @Test
    void localProfilesTrainAtTheModelsOwnSide() {
        for (Map<String, String> profile : List.of(StackProfile.demo(32), StackProfile.test(32))) {
            int resolution = Integer.parseInt(profile.get("ORCHESTRATOR_TRAINING_RESOLUTION"));
            assertEquals(32, resolution, "training resolution");
            assertEquals(profile.get("INGESTION_IMAGE_SIDE"), Integer.toString(resolution),
                    "uploads are normalised to the training side");
            // regularization needs an even batch (half targets, half class images)
            assertEquals(0, Integer.parseInt(profile.get("ORCHESTRATOR_TRAINING_BATCH_SIZE")) % 2);
        }
    }

    @Test
    void promptOfAMergedDeltaNamesEveryConceptWithItsClass() {
        assertEquals("photo of a <new1> circle and a <new2> square",
                dev.cdiff.cli.demo.Prompts.allConcepts(List.of("<new1>", "<new2>"), List.of("circle", "square")));
        assertEquals("photo of a <new1> dog", dev.cdiff.cli.demo.Prompts.allConcepts(List.of("<new1>"), List.of("dog")));
        assertThrows(IllegalArgumentException.class, () -> dev.cdiff.cli.demo.Prompts.allConcepts(List.of(), List.of()));
    }

    @Test
    void workspaceOptionWinsAndIsMadeAbsolute() {
        assertEquals(Path.of("x/ws").toAbsolutePath().normalize(), Workspace.resolve(Path.of("x/./ws")));
        assertTrue(Workspace.resolve(null).isAbsolute());
    }
}

package dev.cdiff.cli;

import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.platform.config.ServiceConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServiceCommandTest {

    @Test
    void deploymentFolderNamesMapOntoTheServicesOwnSettings() {
        ServiceConfig mapped = ServiceCommand.withAliases(ServiceConfig.of(Map.of(
                "CDIFF_BASE_MODEL", "/models/base", "CDIFF_WORKSPACE", "/data")), PipelineService.TRAINING);
        assertEquals("training", mapped.serviceName());
        assertEquals("/models/base", mapped.required("BASE_MODEL_DIR"));
        assertEquals(Path.of("/data/training"), mapped.workDir());
    }

    @Test
    void explicitSettingsWinOverTheAliases() {
        ServiceConfig mapped = ServiceCommand.withAliases(ServiceConfig.of(Map.of(
                "CDIFF_BASE_MODEL", "/models/base", "BASE_MODEL_DIR", "/elsewhere", "SERVICE_NAME", "training-gpu",
                "WORK_DIR", "/scratch", "CDIFF_WORKSPACE", "/data")), PipelineService.TRAINING);
        assertEquals("training-gpu", mapped.serviceName());
        assertEquals("/elsewhere", mapped.required("BASE_MODEL_DIR"));
        assertEquals(Path.of("/scratch"), mapped.workDir());
    }

    @Test
    void everyPipelineCommandIsRegisteredBesideTheCoreTools() {
        var names = Cdiff.commandLine().getSubcommands().keySet();
        for (String name : new String[] {"golden-check", "generate", "up", "demo", "submit", "status", "sample", "merge",
                "events", "service"}) {
            assertEquals(true, names.contains(name), name + " in " + names);
        }
    }
}

package dev.cdiff.cli.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's CDIFF_LIBTORCH: a folder that is not an engine folder (tools/build_libtorch_engine.sh) stops the
 * launcher before anything builds or starts, with a message that says what to do, instead of DJL falling back to its
 * own libtorch or failing later on a download it may not make.
 */
class LauncherEngineFolderTest {

    @Test
    void aFolderWithoutEnginePropertiesStopsTheLauncher(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("libtorch.so"), "not a library");
        Result r = launch(dir);
        assertEquals(2, r.exitCode, r.output);
        assertTrue(r.output.contains("is not an engine folder") && r.output.contains("tools/build_libtorch_engine.sh"),
                r.output);
    }

    @Test
    void aMissingFolderStopsTheLauncher(@TempDir Path dir) throws Exception {
        Result r = launch(dir.resolve("absent"));
        assertEquals(2, r.exitCode, r.output);
        assertTrue(r.output.contains("is not an engine folder"), r.output);
    }

    private record Result(int exitCode, String output) {}

    private static Result launch(Path engineFolder) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", AllocatorSettingsTest.ROOT.resolve("cdiff").toString(), "--help")
                .redirectErrorStream(true);
        pb.environment().put("CDIFF_LIBTORCH", engineFolder.toString());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not stop within 60 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}

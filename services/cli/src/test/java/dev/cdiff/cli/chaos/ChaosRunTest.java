package dev.cdiff.cli.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short form of {@code ./cdiff chaos}: broker, S3, registry and every service as separate processes; 4 jobs of
 * 2 tenants through the public API while the training worker is killed with SIGKILL mid-training and the
 * orchestrator too, the registry and S3 are each down for 4 s and the broker restarts. Every wait polls state under
 * a generous bound, so a loaded machine makes it slower, not red.
 */
class ChaosRunTest {

    @Test
    void everyJobCompletesOnceWithTheFaultFreeDigestsThroughKillsOutagesAndABrokerRestart(@TempDir Path dir)
            throws Exception {
        ChaosRun.Options options = ChaosRun.Options.shortForm(dir.resolve("workspace"), 8);

        ChaosFigures figures = ChaosRun.run(options, System.out);

        System.out.print(figures.table());
        assertTrue(figures.problems().isEmpty(), String.join("\n", figures.problems()));
        assertEquals(2, figures.kills(), "the training worker and the orchestrator were each killed once");
        assertEquals(3, figures.outages().size(), "registry down, S3 down, broker restart: " + figures.outages());
        assertEquals(options.jobs(), figures.completed());
        assertEquals(0, figures.lost());
        assertEquals(0, figures.duplicated());
        assertEquals(0, figures.failed());
        assertEquals(options.jobs(), figures.digestsEqual(), "every delta bit-identical to its fault-free run");
        assertTrue(figures.passed());
    }
}

package dev.cdiff.cli.stack;

import dev.cdiff.embedded.EmbeddedStack;
import dev.cdiff.embedded.LoopbackPorts;
import dev.cdiff.embedded.StackComponent;
import dev.cdiff.platform.corpus.SharedCorpus;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.retrieval.index.CorpusStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The seed's refusals; the seeding itself is exercised by the pipeline's end-to-end test. */
class ToyCorpusSeedTest {

    @Test
    void aCorpusSomeoneElseIngestedIsLeftAsItIs(@TempDir Path ws) throws Exception {
        int[] ports = LoopbackPorts.distinct(3);
        try (EmbeddedStack stack = EmbeddedStack.start(EmbeddedStack.Options.defaults(ws.resolve("stack"))
                .withPorts(ports[0], ports[1], ports[2]).withComponents(Set.of(StackComponent.S3)))) {
            ArtifactStore store = ArtifactStore.fromConfig(stack.adminConfig());
            new CorpusStore(store).add(new byte[] {1, 2, 3}, "png", "image/png", "a photo of someone's own circle");
            List<String> before = new SharedCorpus(store).entryIds();

            // no base model is given: the seed must not even get as far as loading one
            int seeded = ToyCorpusSeed.ensure(ws, stack.adminConfig(), ToyCorpusSeed.DEFAULT_IMAGES);

            assertEquals(0, seeded);
            assertEquals(before, new SharedCorpus(store).entryIds());
            assertFalse(Files.exists(ToyCorpusSeed.folder(ws, ToyCorpusSeed.DEFAULT_IMAGES)), "nothing rendered");
        }
    }

    @Test
    void zeroImagesTurnsSeedingOff(@TempDir Path ws) {
        // nothing is contacted: the configuration names no S3 endpoint at all
        assertEquals(0, ToyCorpusSeed.ensure(ws, dev.cdiff.platform.config.ServiceConfig.of(java.util.Map.of()), 0));
    }
}

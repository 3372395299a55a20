package dev.cdiff.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code EmbeddedStackMain --only}: which parts run in a process, and what a split stack needs. */
class StackComponentsTest {

    @Test
    void parsesAnySubsetInAnyOrder() {
        assertEquals(EnumSet.of(StackComponent.S3, StackComponent.KAFKA), StackComponent.parse("s3, kafka"));
        assertEquals(EnumSet.of(StackComponent.REGISTRY), StackComponent.parse("REGISTRY"));
    }

    @Test
    void refusesAnUnknownPartNamingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StackComponent.parse("kafka,zookeeper"));
        assertTrue(e.getMessage().contains("zookeeper") && e.getMessage().contains("registry"), e.getMessage());
    }

    @Test
    void aSplitStackNeedsFixedPortsSoItsPartsFindEachOther(@TempDir Path ws) {
        EmbeddedStack.Options ephemeral = EmbeddedStack.Options.defaults(ws);
        assertThrows(IllegalArgumentException.class, () -> ephemeral.withComponents(Set.of(StackComponent.S3)));
        assertThrows(IllegalArgumentException.class,
                () -> ephemeral.withPorts(19092, 19000, 18081).withComponents(Set.of()));
        EmbeddedStack.Options s3Only = ephemeral.withPorts(19092, 19000, 18081).withComponents(Set.of(StackComponent.S3));
        assertTrue(s3Only.runs(StackComponent.S3));
        assertTrue(!s3Only.runs(StackComponent.KAFKA) && !s3Only.runs(StackComponent.REGISTRY));
        // the whole stack in one process keeps ephemeral ports
        assertTrue(ephemeral.withComponents(EnumSet.allOf(StackComponent.class)).runs(StackComponent.KAFKA));
    }

    @Test
    void anS3OnlyStackServesTheBucketAndLeavesTheBrokerToAnotherProcess(@TempDir Path ws) throws Exception {
        int s3Port = LoopbackPorts.one();
        EmbeddedStack.Options options = EmbeddedStack.Options.defaults(ws).withPorts(19093, s3Port, 18082)
                .withComponents(Set.of(StackComponent.S3));
        try (EmbeddedStack stack = EmbeddedStack.start(options)) {
            assertTrue(stack.s3().isRunning());
            assertTrue(!stack.kafka().isRunning() && stack.registry() == null);
            assertEquals("http://127.0.0.1:" + s3Port, stack.s3Endpoint());
            assertEquals("127.0.0.1:19093", stack.bootstrapServers());
            dev.cdiff.platform.store.ArtifactStore store =
                    dev.cdiff.platform.store.ArtifactStore.fromConfig(stack.adminConfig());
            store.putAt("probe/one", new byte[] {1, 2, 3}, "application/octet-stream");
            assertTrue(store.exists("probe/one"));
        }
    }
}

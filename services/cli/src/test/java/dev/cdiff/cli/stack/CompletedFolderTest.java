package dev.cdiff.cli.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletedFolderTest {
    @TempDir
    Path root;

    @Test
    void writesOnceAndThenReusesTheCompleteFolder() throws IOException {
        Path dir = root.resolve("corpus");
        AtomicInteger writes = new AtomicInteger();
        CompletedFolder.Contents contents = staging -> {
            writes.incrementAndGet();
            Files.writeString(staging.resolve("a.txt"), "a");
        };
        assertEquals(dir, CompletedFolder.ensure(dir, "seed 1", contents));
        assertEquals(dir, CompletedFolder.ensure(dir, "seed 1", contents));
        assertEquals(1, writes.get());
        assertEquals("a", Files.readString(dir.resolve("a.txt")));
        assertEquals("seed 1\n", Files.readString(dir.resolve(CompletedFolder.MARKER)));
    }

    @Test
    void anInterruptedWriteIsStartedAfresh() throws IOException {
        Path dir = root.resolve("model");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("half-written.bin"), "x");
        Files.createDirectories(root.resolve("model.staging"));
        Files.writeString(root.resolve("model.staging").resolve("stale"), "y");

        CompletedFolder.ensure(dir, "seed 2", staging -> Files.writeString(staging.resolve("b.txt"), "b"));

        assertTrue(Files.exists(dir.resolve("b.txt")));
        assertFalse(Files.exists(dir.resolve("half-written.bin")));
        assertFalse(Files.exists(dir.resolve("stale")));
        assertFalse(Files.exists(root.resolve("model.staging")));
    }

    @Test
    void aFailedWriteLeavesNoFolderThatLooksComplete() {
        Path dir = root.resolve("broken");
        assertThrows(UncheckedIOException.class, () -> CompletedFolder.ensure(dir, "seed 3", staging -> {
            Files.writeString(staging.resolve("part"), "p");
            throw new IOException("disk full");
        }));
        assertFalse(CompletedFolder.isComplete(dir));
        assertFalse(Files.exists(dir));
    }
}

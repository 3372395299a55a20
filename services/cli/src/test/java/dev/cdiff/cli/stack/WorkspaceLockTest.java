package dev.cdiff.cli.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkspaceLockTest {

    @Test
    void aSecondHolderIsRefusedUntilTheFirstReleases(@TempDir Path workspace) {
        try (WorkspaceLock first = WorkspaceLock.acquire(workspace)) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> WorkspaceLock.acquire(workspace));
            assertTrue(refused.getMessage().contains("in use by another cdiff process (pid "
                    + ProcessHandle.current().pid() + ")"), refused.getMessage());
        }
        WorkspaceLock.acquire(workspace).close();
    }
}

package dev.cdiff.platform.scratch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Scratch folders of a service's work. Each is made by {@link Files#createTempDirectory}, so its name is random and
 * its place is the root the service configured: no id from an event ever becomes part of a path, and deleting the
 * folder afterwards can only remove what the service itself put there.
 */
public final class ScratchFolders {
    private ScratchFolders() {
    }

    /** A new, empty folder under {@code root} (created if missing), named {@code <prefix><random>}. */
    public static Path create(Path root, String prefix) throws IOException {
        return Files.createTempDirectory(Files.createDirectories(root), prefix);
    }

    /**
     * Removes the folder and what is in it, bottom up. Links are removed, never followed. A leftover file is only
     * wasted space, so failures are ignored.
     */
    public static void delete(Path folder) {
        if (folder == null || !Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // see above: leftovers are harmless
                }
            });
        } catch (IOException ignored) {
            // see above
        }
    }
}

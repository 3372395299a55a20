package dev.cdiff.cli.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A folder of the workspace that is written once, under a staging name, and moved into place whole with a marker
 * file: a process killed while writing leaves only the staging folder, which the next attempt deletes, never a
 * folder that looks finished but is not.
 */
public final class CompletedFolder {
    /** The marker a complete folder holds. */
    public static final String MARKER = ".complete";

    /** Writes the contents into the (empty, existing) staging folder. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(Path staging) throws IOException;
    }

    private CompletedFolder() {
    }

    public static boolean isComplete(Path dir) {
        return Files.exists(dir.resolve(MARKER));
    }

    /**
     * Returns {@code dir} at once when it is complete; otherwise writes it through a staging sibling and moves it
     * into place.
     *
     * @param marker what the marker file says about the contents (seed, split), for a reader of the workspace
     */
    public static Path ensure(Path dir, String marker, Contents contents) {
        if (isComplete(dir)) {
            return dir;
        }
        Path staging = dir.resolveSibling(dir.getFileName() + ".staging");
        try {
            deleteTree(staging);
            deleteTree(dir);
            Files.createDirectories(staging);
            contents.writeTo(staging);
            Files.writeString(staging.resolve(MARKER), marker + "\n");
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir, e);
        }
        return dir;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

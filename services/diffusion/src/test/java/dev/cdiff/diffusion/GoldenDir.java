package dev.cdiff.diffusion;

import java.nio.file.Files;
import java.nio.file.Path;

/** Location of the shared reference vectors for tests. */
public final class GoldenDir {
    private GoldenDir() {
    }

    public static Path path() {
        String p = System.getProperty("golden.dir");
        if (p != null && Files.isDirectory(Path.of(p))) {
            return Path.of(p);
        }
        return Path.of("/work/shared/golden");
    }
}

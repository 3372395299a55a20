package dev.cdiff.diffusion.customize;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

final class GoldenDir {
    private GoldenDir() {
    }

    static Path get() {
        String prop = System.getProperty("golden.dir");
        Path p = prop != null && Files.isDirectory(Path.of(prop)) ? Path.of(prop) : Path.of("/work/shared/golden");
        assumeTrue(Files.isDirectory(p), "golden directory not found");
        return p;
    }

    static Path tinySd() {
        return get().resolve("models/tiny-sd");
    }
}

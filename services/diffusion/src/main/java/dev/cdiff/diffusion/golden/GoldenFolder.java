package dev.cdiff.diffusion.golden;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one lookup of a reference set (the folder holding {@code manifest.json} and {@code models/}) for tests and
 * benchmarks. It comes from the {@code golden.dir} system property, which the parent pom points at the copy kept in
 * {@code services/diffusion/src/test/golden}, so a clean clone tests hermetically. There is deliberately no fallback
 * path: a missing or wrong setting must fail loudly, not quietly test against whatever a machine happens to hold.
 */
public final class GoldenFolder {
    /** System property naming the reference-set folder. */
    public static final String PROPERTY = "golden.dir";

    private GoldenFolder() {
    }

    /** The configured reference set; fails naming the property when it is unset or not a reference set. */
    public static Path configured() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + PROPERTY + " is not set: point it at a reference set "
                    + "(the build sets it to services/diffusion/src/test/golden)");
        }
        Path dir = Path.of(value);
        if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
            throw new IllegalStateException(PROPERTY + "=" + value + " holds no manifest.json");
        }
        return dir;
    }

    /** The tiny random Stable-Diffusion-shaped pipeline of the configured reference set. */
    public static Path tinySd() {
        return configured().resolve("models/tiny-sd");
    }
}

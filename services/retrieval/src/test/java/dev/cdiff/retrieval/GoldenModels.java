package dev.cdiff.retrieval;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the tiny test model in the shared golden folder (system property golden.dir). */
public final class GoldenModels {
    private GoldenModels() {
    }

    public static Path tinySd() {
        Path golden = Path.of(System.getProperty("golden.dir", "/work/shared/golden"));
        Path model = golden.resolve("models/tiny-sd");
        if (!Files.isDirectory(model)) {
            model = Path.of("/work/shared/golden/models/tiny-sd");
        }
        if (!Files.isDirectory(model)) {
            throw new IllegalStateException("tiny-sd test model not found under " + golden);
        }
        return model;
    }
}

package dev.cdiff.cli.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** An image to upload: its file name and bytes. */
public record NamedImage(String name, byte[] bytes) {
    public static NamedImage of(Path file) {
        try {
            return new NamedImage(file.getFileName().toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image " + file, e);
        }
    }
}

package dev.cdiff.ingestion.validate;

import java.util.Objects;

/**
 * One image as the tenant handed it in: its name (upload file name or S3 key, used only in messages) and its bytes.
 */
public record SubmittedImage(String name, byte[] bytes) {
    public SubmittedImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bytes, "bytes");
    }
}

package dev.cdiff.ingestion;

/** A normalised PNG ready to store: the original's name (for messages), its bytes and their sha256. */
public record NormalizedImage(String originalName, byte[] png, String sha256) {
}

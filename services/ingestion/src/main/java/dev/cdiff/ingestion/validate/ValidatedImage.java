package dev.cdiff.ingestion.validate;

/** An image that passed every check before decoding: its format, header size and the sha256 of its original bytes. */
public record ValidatedImage(SubmittedImage source, ImageHeader header, String sourceSha256) {
}

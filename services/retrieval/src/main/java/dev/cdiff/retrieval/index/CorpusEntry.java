package dev.cdiff.retrieval.index;

/**
 * One image-caption pair of the regularization corpus as stored in S3.
 *
 * @param entryId     sha256 over the image digest and the caption: the same pair ingested twice is one entry
 * @param imageKey    object key of the image
 * @param imageSha256 digest of the image bytes
 */
public record CorpusEntry(String entryId, String imageKey, String imageSha256, long imageSizeBytes, String mediaType,
                          String caption) {
}

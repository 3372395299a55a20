package dev.cdiff.retrieval.classset;

/**
 * One regularization image of a class set.
 *
 * @param origin  RETRIEVED (from the corpus) or GENERATED (by the base model)
 * @param cosine  caption similarity to the class prompt; 1 for generated images (their caption is the prompt)
 */
public record ClassSetItem(String bucket, String key, String sha256, long sizeBytes, String mediaType, String caption,
                           String origin, double cosine) {
}

package dev.cdiff.retrieval.classset;

/** A class set as handed to RegularizationReady: its manifest, the manifest's digest, and whether it was cached. */
public record ClassSet(ClassSetManifest manifest, String digest, String manifestKey, boolean fromCache) {
}

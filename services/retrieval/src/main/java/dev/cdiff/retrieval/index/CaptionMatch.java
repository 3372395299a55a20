package dev.cdiff.retrieval.index;

/** A corpus entry and the cosine similarity of its caption feature to the query feature. */
public record CaptionMatch(CorpusEntry entry, double cosine) {
}

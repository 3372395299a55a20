package dev.cdiff.retrieval.classset;

import java.util.List;

/** Makes class images with the base model when the corpus has too few close captions. */
public interface ClassImageGenerator {
    /** {@code count} PNG images of {@code prompt}; image i uses seed {@code seed + i} so sets are reproducible. */
    List<byte[]> generate(String prompt, int count, long seed, int steps, double guidance, int side);
}

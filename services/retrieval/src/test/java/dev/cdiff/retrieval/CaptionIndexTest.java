package dev.cdiff.retrieval;

import dev.cdiff.retrieval.features.CaptionEmbedder;
import dev.cdiff.retrieval.index.CaptionIndex;
import dev.cdiff.retrieval.index.CaptionMatch;
import dev.cdiff.retrieval.index.CorpusEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptionIndexTest {
    private static final int DIM = 16;

    private static CorpusEntry entry(int i) {
        return new CorpusEntry("e" + i, "shared/corpus/images/" + i + ".png", "sha" + i, 100 + i, "image/png",
                "caption " + i);
    }

    /** Random unit vectors and, for a fixed query, their exact cosines. */
    private static List<float[]> vectors(int n, long seed) {
        Random rnd = new Random(seed);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = (float) rnd.nextGaussian();
            }
            out.add(v);
        }
        return out;
    }

    @Test
    void returnsExactlyTheEntriesAboveTheThresholdMostSimilarFirst(@TempDir Path dir) {
        List<float[]> vs = vectors(300, 1);
        float[] query = vs.get(0).clone();
        // make a cluster around the query so that some entries pass a high threshold
        Random rnd = new Random(2);
        for (int i = 1; i < 40; i++) {
            float[] v = vs.get(i);
            for (int d = 0; d < DIM; d++) {
                v[d] = query[d] + (float) (rnd.nextGaussian() * 0.15 * i / 10.0);
            }
        }
        try (CaptionIndex index = new CaptionIndex(dir, DIM)) {
            for (int i = 0; i < vs.size(); i++) {
                index.upsert(entry(i), vs.get(i));
            }
            index.commit();
            double threshold = 0.85;
            List<CaptionMatch> matches = index.search(query, 200, threshold);
            long expected = vs.stream().filter(v -> CaptionEmbedder.cosine(v, query) > threshold).count();
            assertTrue(expected >= 5 && expected < 300, "test data must straddle the threshold: " + expected);
            assertEquals(expected, matches.size());
            assertEquals("e0", matches.get(0).entry().entryId());
            for (int i = 0; i < matches.size(); i++) {
                CaptionMatch m = matches.get(i);
                int idx = Integer.parseInt(m.entry().entryId().substring(1));
                assertEquals(CaptionEmbedder.cosine(vs.get(idx), query), m.cosine(), 1e-5);
                assertTrue(m.cosine() > threshold);
                if (i > 0) {
                    assertTrue(matches.get(i - 1).cosine() >= m.cosine());
                }
            }
            assertEquals(entry(0), matches.get(0).entry());
            assertEquals(3, index.search(query, 3, threshold).size());
        }
    }

    /**
     * Duplicate captions (a toy world has many) whose features differ only in their last bits, as the same caption
     * embedded in another batch does, indexed in two orders: the selection is the same, and among equal captions the
     * lowest entry ids win. An audit re-derives class sets on an index it built itself, so this is what makes the
     * re-derived set bit-identical.
     */
    @Test
    void theSelectionDoesNotDependOnIndexOrderOrOnTheLastBitsOfEqualCaptions(@TempDir Path dir) {
        List<float[]> distinct = vectors(6, 5);
        float[] query = distinct.get(0).clone();
        List<Integer> ids = new ArrayList<>();
        List<float[]> features = new ArrayList<>();
        Random noise = new Random(6);
        for (int i = 0; i < 120; i++) {
            float[] v = distinct.get(i % 6).clone();
            for (int d = 0; d < DIM; d++) {
                v[d] *= 1f + (float) (noise.nextGaussian() * 1e-7);
            }
            ids.add(i);
            features.add(v);
        }
        List<Integer> reversed = new ArrayList<>(ids);
        java.util.Collections.reverse(reversed);
        List<String> first = selected(dir.resolve("a"), ids, features, query);
        List<String> second = selected(dir.resolve("b"), reversed, features, query);
        assertEquals(first, second);
        assertEquals(List.of("e0", "e102", "e108", "e114", "e12", "e18", "e24", "e30"), first,
                "the caption equal to the query, its lowest ids (ordered as strings) first");
    }

    private static List<String> selected(Path dir, List<Integer> order, List<float[]> features, float[] query) {
        try (CaptionIndex index = new CaptionIndex(dir, DIM)) {
            for (int i : order) {
                index.upsert(entry(i), features.get(i));
            }
            index.commit();
            return index.search(query, 8, 0.5).stream().map(m -> m.entry().entryId()).toList();
        }
    }

    @Test
    void upsertIsIdempotentAndSurvivesReopening(@TempDir Path dir) {
        List<float[]> vs = vectors(5, 3);
        try (CaptionIndex index = new CaptionIndex(dir, DIM)) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < vs.size(); i++) {
                    index.upsert(entry(i), vs.get(i));
                }
            }
            index.commit();
            assertEquals(5, index.size());
        }
        try (CaptionIndex reopened = new CaptionIndex(dir, DIM)) {
            assertEquals(5, reopened.size());
            assertTrue(reopened.contains("e3"));
            assertEquals(java.util.Set.of("e0", "e1", "e2", "e3", "e4"), reopened.ids());
            assertEquals("e3", reopened.search(vs.get(3), 1, 0.99).get(0).entry().entryId());
        }
    }
}

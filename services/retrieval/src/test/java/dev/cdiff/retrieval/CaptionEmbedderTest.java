package dev.cdiff.retrieval;

import dev.cdiff.diffusion.golden.GoldenFolder;

import dev.cdiff.retrieval.features.CaptionEmbedder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptionEmbedderTest {
    @Test
    void featuresAreUnitLengthDeterministicAndDistinguishCaptions() {
        try (CaptionEmbedder embedder = CaptionEmbedder.load(GoldenFolder.tinySd())) {
            assertEquals(32, embedder.dimension());
            List<String> captions = List.of("a photo of a dog", "a photo of a cat", "a red teapot on a table",
                    "a photo of a dog");
            List<float[]> features = embedder.embedAll(captions);
            assertEquals(4, features.size());
            for (float[] f : features) {
                double norm = 0;
                for (float x : f) {
                    norm += x * x;
                }
                assertEquals(1.0, Math.sqrt(norm), 1e-5);
            }
            assertArrayEquals(features.get(0), features.get(3), 1e-6f);
            assertTrue(CaptionEmbedder.cosine(features.get(0), features.get(2)) < 0.9999,
                    "different captions must give different features");
            // batching must not change a caption's feature
            assertArrayEquals(features.get(2), embedder.embed("a red teapot on a table"), 1e-5f);
        }
    }
}

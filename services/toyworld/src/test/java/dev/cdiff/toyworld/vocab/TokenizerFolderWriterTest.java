package dev.cdiff.toyworld.vocab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerFolderWriterTest {
    @TempDir
    Path dir;

    /** Re-reads the written merges.txt (not the in-memory builder) and runs CLIP's BPE over every world word. */
    @Test
    void everyWorldWordIsOneTokenUnderTheWrittenMerges() throws Exception {
        int size = TokenizerFolderWriter.write(dir);
        Map<String, Integer> vocab = new ObjectMapper().readValue(dir.resolve("vocab.json").toFile(),
            new TypeReference<Map<String, Integer>>() {});
        assertEquals(size, vocab.size());
        List<String> lines = Files.readAllLines(dir.resolve("merges.txt"));
        assertEquals("#version: 0.2", lines.get(0));
        ByteLevelBpe bpe = new ByteLevelBpe();
        for (String line : lines.subList(1, lines.size())) {
            String[] parts = line.split(" ");
            bpe.addMerge(parts[0], parts[1]);
            assertTrue(vocab.containsKey(parts[0] + parts[1]), "merge result missing from vocab: " + line);
        }
        Set<Integer> ids = new HashSet<>();
        for (String word : ToyVocabulary.words()) {
            List<String> tokens = bpe.apply(word);
            assertEquals(List.of(word + "</w>"), tokens, "word '" + word + "'");
            assertTrue(ids.add(vocab.get(word + "</w>")), "two words share an id");
        }
        for (Concept c : Concepts.all()) {
            assertEquals(List.of(c.initializerWord() + "</w>"), bpe.apply(c.initializerWord()));
            assertFalse(vocab.containsKey(c.token()), "concept token must be added later, not in the base vocab");
        }
    }

    @Test
    void vocabularyFollowsClipLayout() throws Exception {
        TokenizerFolderWriter.write(dir);
        Map<String, Integer> vocab = new ObjectMapper().readValue(dir.resolve("vocab.json").toFile(),
            new TypeReference<Map<String, Integer>>() {});
        assertEquals(0, vocab.get("!"));
        assertEquals(256, vocab.get("!</w>"));
        assertEquals(vocab.size() - 2, vocab.get(TokenizerFolderWriter.BOS));
        assertEquals(vocab.size() - 1, vocab.get(TokenizerFolderWriter.EOS));
        assertEquals(vocab.size(), new HashSet<>(vocab.values()).size());
        for (int id = 0; id < vocab.size(); id++) assertTrue(vocab.containsValue(id), "id gap at " + id);
        JsonNode config = new ObjectMapper().readTree(dir.resolve("tokenizer_config.json").toFile());
        assertEquals(77, config.get("model_max_length").asInt());
        JsonNode special = new ObjectMapper().readTree(dir.resolve("special_tokens_map.json").toFile());
        assertEquals(TokenizerFolderWriter.EOS, special.get("pad_token").asText());
    }

    @Test
    void captionsUseOnlyVocabularyWordsAndConceptTokens() {
        Set<String> words = new HashSet<>(ToyVocabulary.words());
        ToyWorld world = ToyWorld.defaults();
        List<Sample> samples = new java.util.ArrayList<>(world.samples(500, 3, Split.TRAIN));
        for (Concept c : Concepts.all()) samples.addAll(world.conceptTargets(c, 20, 3));
        for (Sample s : samples) {
            for (String w : s.caption().split(" ")) {
                assertTrue(words.contains(w) || w.matches("<new[0-9]+>"), "caption word '" + w + "' in: " + s.caption());
            }
        }
    }
}

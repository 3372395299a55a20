package dev.cdiff.toyworld.vocab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdiff.diffusion.text.ClipTokenizer;
import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.ToyWorld;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The written folder loads in the core's CLIP tokenizer and gives one id per world word. */
class ClipTokenizerCompatibilityTest {
    @TempDir
    Path dir;

    @Test
    void coreTokenizerSeesEveryWorldWordAsOneToken() throws Exception {
        int vocabSize = TokenizerFolderWriter.write(dir);
        ClipTokenizer tokenizer = ClipTokenizer.load(dir);
        assertEquals(vocabSize, tokenizer.size());
        var vocab = TokenizerFolderWriter.vocabulary(ToyVocabulary.words());
        for (String word : ToyVocabulary.words()) {
            assertEquals(List.of(vocab.get(word + "</w>")), tokenizer.tokenize(word), "word '" + word + "'");
        }
        assertEquals(vocab.get(TokenizerFolderWriter.BOS), tokenizer.bosId());
        assertEquals(vocab.get(TokenizerFolderWriter.EOS), tokenizer.eosId());
    }

    @Test
    void conceptTokensAreAddedAfterTheBaseVocabulary() throws Exception {
        int vocabSize = TokenizerFolderWriter.write(dir);
        ClipTokenizer tokenizer = ClipTokenizer.load(dir);
        int first = -1;
        for (Concept c : Concepts.all()) {
            int id = tokenizer.addToken(c.token());
            if (first < 0) first = id;
        }
        assertEquals(vocabSize, first);
        Sample s = ToyWorld.defaults().conceptTargets(Concepts.CHECKER_CIRCLE, 1, 3).get(0);
        List<Integer> ids = tokenizer.tokenize(s.caption());
        assertEquals(s.caption().split(" ").length, ids.size(), "one id per caption word: " + s.caption());
        assertTrue(ids.contains(vocabSize), "the <new1> id appears in " + ids);
        int[] encoded = tokenizer.encode(s.caption());
        assertEquals(77, encoded.length);
    }
}

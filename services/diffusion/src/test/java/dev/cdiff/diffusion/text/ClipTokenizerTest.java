package dev.cdiff.diffusion.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.diffusion.golden.GoldenFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipTokenizerTest {
    private static final Path DIR = GoldenFolder.configured().resolve("models/tiny-sd/tokenizer");

    @TempDir
    Path tmp;

    private static void assertManifestExamples(Function<Path, ClipTokenizer> loader, Path dir) throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(GoldenFolder.configured().resolve("manifest.json").toFile());
        int n = 0;
        for (JsonNode c : manifest.path("cases")) {
            if (!c.path("kind").asText().equals("tokenizer")) {
                continue;
            }
            for (JsonNode ex : c.path("examples")) {
                ClipTokenizer tok = loader.apply(dir);
                for (JsonNode a : ex.path("added_tokens")) {
                    tok.addToken(a.asText());
                }
                int[] expected = new int[ex.path("input_ids").size()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = ex.path("input_ids").get(i).asInt();
                }
                assertArrayEquals(expected, tok.encode(ex.path("text").asText()), ex.path("text").asText());
                n++;
            }
        }
        assertTrue(n >= 10, "examples found: " + n);
    }

    @Test
    void tokenizerJsonReproducesManifestExamples() throws Exception {
        assertManifestExamples(ClipTokenizer::loadTokenizerJson, DIR);
    }

    @Test
    void vocabAndMergesReproduceManifestExamples() throws Exception {
        assertManifestExamples(ClipTokenizer::loadVocabAndMerges, DIR);
    }

    @Test
    void addedTokensGetConsecutiveIdsAndRejectDuplicates() {
        ClipTokenizer tok = ClipTokenizer.load(DIR);
        int before = tok.size();
        assertEquals(before, tok.addToken("<new1>"));
        assertEquals(before + 1, tok.size());
        assertEquals(before, tok.tokenId("<new1>").getAsInt());
        assertThrows(IllegalArgumentException.class, () -> tok.addToken("<new1>"));
        assertThrows(IllegalArgumentException.class, () -> tok.addToken("dog</w>"));
        List<Integer> ids = tok.tokenize("x<new1>y");
        assertTrue(ids.contains(before), ids.toString());
    }

    @Test
    void savedTokenizerKeepsAddedTokens() throws Exception {
        ClipTokenizer tok = ClipTokenizer.load(DIR);
        int id = tok.addToken("<new1>");
        tok.save(tmp);
        ClipTokenizer back = ClipTokenizer.load(tmp);
        assertEquals(id, back.tokenId("<new1>").getAsInt());
        assertArrayEquals(tok.encode("a <new1> dog's ball, on the beach!"), back.encode("a <new1> dog's ball, on the beach!"));
        assertEquals(tok.padId(), back.padId());
    }

    @Test
    void decodeReadsBackNormalisedText() {
        ClipTokenizer tok = ClipTokenizer.load(DIR);
        tok.addToken("<new1>");
        int[] ids = tok.encode("A  <new1> Dog's ball, on the beach!");
        assertEquals("a <new1> dog 's ball , on the beach !", tok.decode(ids, false));
        assertTrue(tok.decode(ids, true).startsWith("<|startoftext|> a"));
    }

    @Test
    void truncationKeepsEosLast() {
        ClipTokenizer tok = ClipTokenizer.load(DIR);
        int[] ids = tok.encode("dog ".repeat(200));
        assertEquals(77, ids.length);
        assertEquals(tok.bosId(), ids[0]);
        assertEquals(tok.eosId(), ids[76]);
    }
}

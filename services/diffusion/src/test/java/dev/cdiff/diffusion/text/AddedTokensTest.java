package dev.cdiff.diffusion.text;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.golden.GoldenFolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddedTokensTest {
    private static final Path MODEL = GoldenFolder.configured().resolve("models/tiny-sd");

    private NDManager manager;
    private ClipTextEncoder enc;
    private ClipTokenizer tok;

    @BeforeEach
    void loadTextModel() throws Exception {
        manager = NDManager.newBaseManager();
        enc = ClipTextEncoder.load(MODEL.resolve("text_encoder"), manager);
        tok = ClipTokenizer.load(MODEL.resolve("tokenizer"));
    }

    @AfterEach
    void close() {
        enc.close();
        manager.close();
    }

    @Test
    void addsEachTokenAtItsInitializerRowWithIdsMatchingTheTable() {
        int vocab = enc.vocabSize();
        float[] ktn = enc.tokenRow(tok.tokenize("ktn").get(0));
        float[] pll = enc.tokenRow(tok.tokenize("pll").get(0));

        int[] ids = AddedTokens.add(tok, enc,
                AddedTokens.atInitializers(tok, enc, List.of("<new1>", "<new2>"), List.of("ktn", "pll")), "-");

        assertArrayEquals(new int[] {vocab, vocab + 1}, ids);
        assertEquals(vocab + 2, enc.vocabSize());
        assertEquals(vocab + 2, tok.size());
        assertEquals(List.of(vocab + 1), tok.tokenize("<new2>"));
        assertArrayEquals(ktn, enc.tokenRow(ids[0]), 0f);
        assertArrayEquals(pll, enc.tokenRow(ids[1]), 0f);
    }

    @Test
    void aRejectedCallLeavesTokenizerAndTableUnchanged() {
        int vocab = enc.vocabSize();
        float[] row = new float[enc.hiddenSize()];

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AddedTokens.atInitializers(tok, enc, List.of("<new1>"), List.of("big dog")));
        assertTrue(e.getMessage().contains("single token"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> AddedTokens.add(tok, enc, List.of(
                new AddedTokens.TokenRow("<new1>", row), new AddedTokens.TokenRow("<new1>", row)), "-"));
        assertTrue(e.getMessage().contains("named twice"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> AddedTokens.add(tok, enc, List.of(
                new AddedTokens.TokenRow("<new1>", row), new AddedTokens.TokenRow("<new2>", new float[3])), "-"));
        assertTrue(e.getMessage().contains("3 values"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> AddedTokens.add(tok, enc, List.of(
                new AddedTokens.TokenRow("<new1>", row), new AddedTokens.TokenRow("<|endoftext|>", row)),
                "load a fresh model"));
        assertTrue(e.getMessage().contains("already contains the token '<|endoftext|>'; load a fresh model"),
                e.getMessage());

        // none of the rejected calls added its valid first token
        assertEquals(vocab, enc.vocabSize());
        assertEquals(vocab, tok.size());
        assertFalse(tok.tokenId("<new1>").isPresent());
    }

    @Test
    void refusesATokenizerOutOfStepWithTheTable() {
        tok.addToken("<stray>");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AddedTokens.add(tok, enc,
                List.of(new AddedTokens.TokenRow("<new1>", new float[enc.hiddenSize()])), "-"));
        assertTrue(e.getMessage().contains("embedding rows"), e.getMessage());
    }
}

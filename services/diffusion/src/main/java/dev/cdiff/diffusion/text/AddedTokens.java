package dev.cdiff.diffusion.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Modifier tokens ({@code <new1>}, ...) added to a tokenizer and its text encoder's embedding table together. A
 * token's id is the index of its embedding row, so the two must grow in step; training, applying a delta, merging and
 * the toy evaluation all add tokens through here. Every check runs before anything changes, so a rejected call leaves
 * both untouched.
 */
public final class AddedTokens {
    private AddedTokens() {
    }

    /** A token to add and its embedding row. */
    public record TokenRow(String token, float[] row) {
    }

    /**
     * Each token with a copy of its initializer word's embedding row, as the paper and diffusers start the modifier
     * token from a rarely used word.
     *
     * @param tokens           the new tokens
     * @param initializerWords one word per token, each a single token of the tokenizer
     */
    public static List<TokenRow> atInitializers(ClipTokenizer tokenizer, ClipTextEncoder textEncoder,
                                                List<String> tokens, List<String> initializerWords) {
        if (tokens.size() != initializerWords.size()) {
            throw new IllegalArgumentException(tokens.size() + " tokens but " + initializerWords.size()
                    + " initializer words");
        }
        requireInStep(tokenizer, textEncoder);
        List<TokenRow> out = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String word = initializerWords.get(i);
            List<Integer> ids = tokenizer.tokenize(word);
            if (ids.size() != 1) {
                throw new IllegalArgumentException("initializer word '" + word + "' of " + tokens.get(i) + " is "
                        + ids.size() + " tokens; it must be a single token");
            }
            out.add(new TokenRow(tokens.get(i), textEncoder.tokenRow(ids.get(0))));
        }
        return out;
    }

    /**
     * Throws unless every token can be added with its row: the tokenizer and table in step, each token new, named
     * once, and each row as wide as the text encoder.
     *
     * @param remedy what the caller should do instead, appended to the message when a token already exists
     */
    public static void check(ClipTokenizer tokenizer, ClipTextEncoder textEncoder, List<TokenRow> rows,
                             String remedy) {
        requireInStep(tokenizer, textEncoder);
        Set<String> seen = new HashSet<>();
        for (TokenRow r : rows) {
            if (r.token() == null || r.token().isEmpty()) {
                throw new IllegalArgumentException("cannot add an empty token");
            }
            if (!seen.add(r.token())) {
                throw new IllegalArgumentException("the token '" + r.token() + "' is named twice");
            }
            if (tokenizer.tokenId(r.token()).isPresent()) {
                throw new IllegalArgumentException("the tokenizer already contains the token '" + r.token() + "'; "
                        + remedy);
            }
            if (r.row() == null) {
                throw new IllegalArgumentException("the token '" + r.token() + "' has no embedding row");
            }
            if (r.row().length != textEncoder.hiddenSize()) {
                throw new IllegalArgumentException("the embedding row of " + r.token() + " has " + r.row().length
                        + " values, the text encoder is " + textEncoder.hiddenSize() + " wide");
            }
        }
    }

    /**
     * Adds the tokens in order after {@link #check}ing them.
     *
     * @return their ids, in the order given
     */
    public static int[] add(ClipTokenizer tokenizer, ClipTextEncoder textEncoder, List<TokenRow> rows,
                            String remedy) {
        check(tokenizer, textEncoder, rows, remedy);
        int[] ids = new int[rows.size()];
        float[][] table = new float[rows.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.addToken(rows.get(i).token());
            table[i] = rows.get(i).row();
        }
        textEncoder.addTokenRows(table);
        return ids;
    }

    private static void requireInStep(ClipTokenizer tokenizer, ClipTextEncoder textEncoder) {
        if (tokenizer.size() != textEncoder.vocabSize()) {
            throw new IllegalStateException("tokenizer has " + tokenizer.size() + " tokens but the text encoder has "
                    + textEncoder.vocabSize() + " embedding rows");
        }
    }
}

package dev.cdiff.diffusion.training;

import java.util.Objects;

/**
 * One learned modifier token of a delta.
 *
 * @param token           the placeholder string added to the tokenizer, e.g. {@code <new1>}
 * @param concept         a name for the concept (free text, e.g. "my-dog")
 * @param classWord       the concept's category word, used in the {@code V* class} phrases of a merge
 * @param initializerWord the single-token word whose embedding initialised the row (e.g. "ktn")
 */
public record TokenInfo(String token, String concept, String classWord, String initializerWord) {
    public TokenInfo {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("token must not be blank");
        }
        concept = concept == null ? "" : concept;
        classWord = classWord == null ? "" : classWord;
        initializerWord = initializerWord == null ? "" : initializerWord;
    }

    public TokenInfo withToken(String newToken) {
        return new TokenInfo(newToken, concept, classWord, initializerWord);
    }
}

package dev.cdiff.ingestion.validate;

import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.ids.InvalidIdException;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Sanity rules for the class word and the concept name. The class word goes verbatim into prompts ("photo of a
 * &lt;new1&gt; dog") and into the retrieval query, so it must be a short plain phrase: letters, digits, spaces,
 * hyphens and apostrophes, at most {@value #MAX_WORDS} words, no token markup.
 */
public final class ClassWords {
    public static final int MAX_CLASS_WORD_CHARS = 40;
    public static final int MAX_WORDS = 3;
    public static final int MAX_CONCEPT_NAME_CHARS = 64;

    private static final Pattern CLASS_WORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}' -]*");

    private ClassWords() {
    }

    /** The class word trimmed, lower-cased and with runs of spaces collapsed, or a rejection saying what is wrong. */
    public static String normalizeClassWord(String raw) throws SubmissionRejected {
        if (raw == null || raw.isBlank()) {
            throw new SubmissionRejected(RejectionReason.MISSING_CLASS_WORD,
                    "the class word is missing: say what kind of thing the concept is, e.g. 'dog' or 'teapot'",
                    List.of());
        }
        String word = raw.strip().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT);
        if (word.length() > MAX_CLASS_WORD_CHARS) {
            throw new SubmissionRejected(RejectionReason.INVALID_CLASS_WORD,
                    "the class word '" + abbreviate(word) + "' has " + word.length() + " characters; at most "
                            + MAX_CLASS_WORD_CHARS + " are allowed", List.of());
        }
        if (!CLASS_WORD.matcher(word).matches()) {
            throw new SubmissionRejected(RejectionReason.INVALID_CLASS_WORD,
                    "the class word '" + word + "' may contain only letters, digits, spaces, hyphens and apostrophes",
                    List.of());
        }
        int words = word.split(" ").length;
        if (words > MAX_WORDS) {
            throw new SubmissionRejected(RejectionReason.INVALID_CLASS_WORD,
                    "the class word '" + word + "' has " + words + " words; a class is at most " + MAX_WORDS
                            + " words, e.g. 'golden retriever'", List.of());
        }
        return word;
    }

    /** The concept name trimmed, or a rejection. */
    public static String normalizeConceptName(String raw) throws SubmissionRejected {
        if (raw == null || raw.isBlank()) {
            throw new SubmissionRejected(RejectionReason.INVALID_CONCEPT_NAME,
                    "the concept name is missing: give the concept a name, e.g. 'my-dog'", List.of());
        }
        String name = raw.strip();
        try {
            return Ids.conceptName("concept name", name);
        } catch (InvalidIdException e) {
            throw new SubmissionRejected(RejectionReason.INVALID_CONCEPT_NAME,
                    "the concept name '" + Ids.printable(name) + "' must be at most " + MAX_CONCEPT_NAME_CHARS
                            + " characters of letters, digits, spaces, dots, underscores and hyphens", List.of());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}

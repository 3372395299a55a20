package dev.cdiff.cli.demo;

import java.util.List;
import java.util.StringJoiner;

/** Prompts built from a delta's tokens and class words. */
public final class Prompts {
    private Prompts() {
    }

    /** "photo of a &lt;new1&gt; circle and a &lt;new2&gt; square": every concept of the delta in one picture. */
    public static String allConcepts(List<String> tokens, List<String> classWords) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("the delta names no token to build a prompt from");
        }
        StringJoiner j = new StringJoiner(" and a ", "photo of a ", "");
        for (int i = 0; i < tokens.size(); i++) {
            j.add(tokens.get(i) + (i < classWords.size() ? " " + classWords.get(i) : ""));
        }
        return j.toString();
    }
}

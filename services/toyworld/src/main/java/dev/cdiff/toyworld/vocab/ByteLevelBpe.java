package dev.cdiff.toyworld.vocab;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CLIP's BPE on one pre-tokenised word: the word's byte characters with "</w>" on the last one, then repeatedly
 * merge the adjacent pair of lowest merge rank (all its occurrences, left to right) until no ranked pair is left.
 * Used to build merges that provably reduce every world word to one token.
 */
public final class ByteLevelBpe {
    private final Map<String, Integer> ranks = new HashMap<>();
    private final List<String[]> merges = new ArrayList<>();

    public void addMerge(String left, String right) {
        String key = left + " " + right;
        if (ranks.containsKey(key)) throw new IllegalArgumentException("duplicate merge '" + key + "'");
        ranks.put(key, merges.size());
        merges.add(new String[] {left, right});
    }

    public List<String[]> merges() { return List.copyOf(merges); }

    /** Splits an already byte-encoded word into its BPE symbols. */
    public List<String> apply(String byteEncodedWord) {
        if (byteEncodedWord.isEmpty()) throw new IllegalArgumentException("cannot BPE an empty word");
        List<String> symbols = new ArrayList<>();
        int[] cps = byteEncodedWord.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            String s = new String(Character.toChars(cps[i]));
            symbols.add(i == cps.length - 1 ? s + "</w>" : s);
        }
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String bestLeft = null;
            String bestRight = null;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    bestLeft = symbols.get(i);
                    bestRight = symbols.get(i + 1);
                }
            }
            if (bestLeft == null) break;
            List<String> next = new ArrayList<>(symbols.size());
            for (int i = 0; i < symbols.size(); i++) {
                if (i + 1 < symbols.size() && symbols.get(i).equals(bestLeft) && symbols.get(i + 1).equals(bestRight)) {
                    next.add(bestLeft + bestRight);
                    i++;
                } else {
                    next.add(symbols.get(i));
                }
            }
            symbols = next;
        }
        return symbols;
    }

    /**
     * Appends merges until the word becomes a single symbol. A new merge has the highest rank, so it can only
     * fire once no earlier merge applies; words completed before keep their single-symbol result.
     */
    public void teach(String byteEncodedWord) {
        List<String> symbols = apply(byteEncodedWord);
        while (symbols.size() > 1) {
            addMerge(symbols.get(0), symbols.get(1));
            symbols = apply(byteEncodedWord);
        }
    }
}

package dev.cdiff.diffusion.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Byte-pair encoding of one pre-tokenized word with CLIP's end-of-word suffix on the last symbol. */
final class BpeModel {
    static final String END_OF_WORD = "</w>";

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> mergeRanks;
    private final int unkId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /** @param merges ordered pairs; earlier pairs merge first */
    BpeModel(Map<String, Integer> vocab, List<String[]> merges, int unkId) {
        this.vocab = vocab;
        this.unkId = unkId;
        this.mergeRanks = new HashMap<>();
        for (int i = 0; i < merges.size(); i++) {
            mergeRanks.putIfAbsent(pairKey(merges.get(i)[0], merges.get(i)[1]), i);
        }
    }

    private static String pairKey(String a, String b) {
        return a + ' ' + b;
    }

    /** Token ids of one word given in the byte-level alphabet. */
    int[] encodeWord(String byteLevelWord) {
        return cache.computeIfAbsent(byteLevelWord, this::bpe);
    }

    private int[] bpe(String word) {
        List<String> symbols = new ArrayList<>();
        for (int i = 0; i < word.length(); i++) {
            symbols.add(String.valueOf(word.charAt(i)));
        }
        int last = symbols.size() - 1;
        symbols.set(last, symbols.get(last) + END_OF_WORD);
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String bestLeft = null;
            String bestRight = null;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = mergeRanks.get(pairKey(symbols.get(i), symbols.get(i + 1)));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    bestLeft = symbols.get(i);
                    bestRight = symbols.get(i + 1);
                }
            }
            if (bestLeft == null) {
                break;
            }
            List<String> merged = new ArrayList<>(symbols.size());
            for (int i = 0; i < symbols.size(); i++) {
                if (i + 1 < symbols.size() && symbols.get(i).equals(bestLeft) && symbols.get(i + 1).equals(bestRight)) {
                    merged.add(bestLeft + bestRight);
                    i++;
                } else {
                    merged.add(symbols.get(i));
                }
            }
            symbols = merged;
        }
        int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocab.getOrDefault(symbols.get(i), unkId);
        }
        return ids;
    }
}

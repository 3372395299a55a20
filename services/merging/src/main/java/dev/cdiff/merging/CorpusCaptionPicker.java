package dev.cdiff.merging;

import dev.cdiff.diffusion.merge.RegularizationCaptions;
import dev.cdiff.platform.corpus.SharedCorpus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

/**
 * Picks a merge's regularization captions as the paper and its reference do, from real captions: every caption of
 * the merged concepts' class sets (what their training was regularized with) plus a seeded sample of the retrieval
 * corpus (the paper's ~1,000 general captions). The result is sorted and deduplicated, so the same corpus, class sets
 * and seed give the same list, hence the same Gram matrix cache entry. Template captions are used only when the corpus
 * is unavailable or holds no caption, and the set says so (the class-set captions still join them).
 */
final class CorpusCaptionPicker {
    private static final Logger LOG = LoggerFactory.getLogger(CorpusCaptionPicker.class);

    private final SharedCorpus corpus;
    private final long seed;

    CorpusCaptionPicker(SharedCorpus corpus, long seed) {
        this.corpus = corpus;
        this.seed = seed;
    }

    /**
     * @param classSetDigests class sets of the merged concepts (validated digests)
     * @param sampleSize      how many corpus entries to sample besides the class sets (the request's
     *                        regularizationCaptions); also the size of a template fallback
     */
    MergeCaptionSet pick(List<String> classSetDigests, int sampleSize) {
        TreeSet<String> classCaptions = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        List<String> sampled = new ArrayList<>();
        try {
            for (String digest : new TreeSet<>(classSetDigests)) {
                Optional<List<String>> captions = classSet(digest);
                if (captions.isPresent()) {
                    classCaptions.addAll(captions.get());
                } else {
                    missing.add(digest);
                }
            }
            for (String id : sample(corpus.entryIds(), sampleSize, seed)) {
                corpus.caption(id).ifPresent(sampled::add);
            }
        } catch (RuntimeException e) {
            LOG.warn("caption corpus unavailable, the merge falls back to template captions: {}", e.toString());
            return fallback(sampleSize, "caption corpus unavailable: " + e.getMessage(), classCaptions, missing);
        }
        if (sampled.isEmpty()) {
            // class sets alone (often one generated-image prompt each) do not span ordinary language
            LOG.warn("the caption corpus holds no caption; the merge falls back to template captions");
            return fallback(sampleSize, "the caption corpus is empty", classCaptions, missing);
        }
        TreeSet<String> all = new TreeSet<>(classCaptions);
        all.addAll(sampled);
        return new MergeCaptionSet(new ArrayList<>(all), MergeCaptionSet.RETRIEVAL_CORPUS, classCaptions.size(),
                missing, "");
    }

    private Optional<List<String>> classSet(String digest) {
        try {
            return corpus.classSetCaptions(digest);
        } catch (IllegalStateException e) {
            // a manifest that is not what its digest says is not the set the concept was trained with
            LOG.warn("class set {} skipped: {}", digest, e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code n} of the sorted ids chosen by a seeded shuffle (java.util.Random's sequence is fixed by its spec). */
    static List<String> sample(List<String> sortedIds, int n, long seed) {
        List<String> ids = new ArrayList<>(sortedIds);
        Collections.sort(ids);
        if (ids.size() <= n) {
            return ids;
        }
        Collections.shuffle(ids, new Random(seed));
        return ids.subList(0, n);
    }

    /**
     * Template captions in their generated order, then any class-set caption they lack (sorted): the concepts' own
     * class wording stays constrained even without a corpus.
     */
    private static MergeCaptionSet fallback(int count, String why, TreeSet<String> classCaptions,
                                            List<String> missing) {
        java.util.LinkedHashSet<String> captions = new java.util.LinkedHashSet<>(RegularizationCaptions.generated(count,
                0));
        int before = captions.size();
        captions.addAll(classCaptions);
        return new MergeCaptionSet(new ArrayList<>(captions), MergeCaptionSet.TEMPLATE_FALLBACK,
                captions.size() - before, missing, why);
    }
}

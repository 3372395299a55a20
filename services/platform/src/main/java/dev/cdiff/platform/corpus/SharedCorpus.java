package dev.cdiff.platform.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.platform.store.Sha256;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The regularization corpus and its class sets as they lie in the artifact store's shared area: the one description
 * of that layout, written by retrieval and read by whoever else needs real captions (the merge). Nothing here is a
 * tenant's: the corpus holds public image-caption pairs, a class set names corpus images and base-model outputs.
 * <ul>
 *   <li>{@code shared/corpus/images/<sha256>.<ext>}: corpus images</li>
 *   <li>{@code shared/corpus/entries/<entryId>.json}: one image-caption pair each, with a {@code caption} field</li>
 *   <li>{@code shared/class-sets/<paramsKey>.json}: a class set's manifest, found by what it was made for</li>
 *   <li>{@code shared/class-sets-by-digest/<sha256>.json}: the same bytes, found by the digest that
 *       RegularizationReady.classSetDigest carries</li>
 * </ul>
 */
public final class SharedCorpus {
    public static final String IMAGES = Ids.SHARED_AREA + "corpus/images/";
    public static final String ENTRIES = Ids.SHARED_AREA + "corpus/entries/";
    public static final String CLASS_SETS = Ids.SHARED_AREA + "class-sets/";
    public static final String CLASS_SETS_BY_DIGEST = Ids.SHARED_AREA + "class-sets-by-digest/";
    /** A caption longer than this is not one (CLIP reads 77 tokens); it is cut rather than trusted. */
    static final int MAX_CAPTION_CHARS = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ArtifactStore store;

    public SharedCorpus(ArtifactStore store) {
        this.store = store;
    }

    public static String classSetKeyByDigest(String digest) {
        return CLASS_SETS_BY_DIGEST + Ids.sha256("classSetDigest", digest) + ".json";
    }

    /** Ids of every corpus entry, sorted (listing costs one request per thousand entries; no entry is read). */
    public List<String> entryIds() {
        List<String> ids = new ArrayList<>();
        for (ObjectSummary summary : store.list(ENTRIES)) {
            String name = summary.key().substring(ENTRIES.length());
            if (name.endsWith(".json") && name.indexOf('/') < 0) {
                ids.add(name.substring(0, name.length() - 5));
            }
        }
        ids.sort(null);
        return ids;
    }

    /** The normalised caption of one entry; empty when the entry has none or is not valid JSON. */
    public Optional<String> caption(String entryId) {
        if (!entryId.matches("[0-9a-f]{64}")) {
            return Optional.empty();
        }
        try {
            JsonNode entry = JSON.readTree(store.getBytes(ENTRIES + entryId + ".json"));
            return normalized(entry.path("caption").asText(""));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The captions of the class set whose manifest has this digest, in manifest order; empty when no such manifest
     * is stored. A stored manifest whose bytes do not hash to the digest is refused: it is not the set a job used.
     */
    public Optional<List<String>> classSetCaptions(String digest) {
        String key = classSetKeyByDigest(digest);
        if (!store.exists(key)) {
            return Optional.empty();
        }
        byte[] bytes = store.getBytes(key);
        if (!Sha256.hex(bytes).equals(digest)) {
            throw new IllegalStateException("class set manifest " + key + " does not hash to its digest");
        }
        try {
            List<String> captions = new ArrayList<>();
            for (JsonNode item : JSON.readTree(bytes).path("items")) {
                normalized(item.path("caption").asText("")).ifPresent(captions::add);
            }
            return Optional.of(captions);
        } catch (IOException e) {
            throw new IllegalStateException("class set manifest " + key + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Stores the digest-addressed copy of a class-set manifest unless it is there already. */
    public void indexClassSet(byte[] manifest) {
        String key = classSetKeyByDigest(Sha256.hex(manifest));
        if (!store.exists(key)) {
            store.putAt(key, manifest, "application/json");
        }
    }

    /** One line of text: whitespace collapsed, control characters dropped, cut to a sane length. */
    static Optional<String> normalized(String caption) {
        String text = caption.replaceAll("\\p{Cntrl}", " ").strip().replaceAll("\\s+", " ");
        if (text.length() > MAX_CAPTION_CHARS) {
            text = text.substring(0, MAX_CAPTION_CHARS).strip();
        }
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }
}

package dev.cdiff.retrieval.index;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.corpus.SharedCorpus;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.retrieval.Digests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The caption corpus kept in S3, shared by every tenant: images content-addressed under
 * {@code shared/corpus/images/<sha256>.<ext>}, and one small JSON per image-caption pair under
 * {@code shared/corpus/entries/<entryId>.json}. The S3 copy is the truth; the Lucene index is rebuilt from it.
 */
public final class CorpusStore {
    public static final String IMAGES = SharedCorpus.IMAGES;
    public static final String ENTRIES = SharedCorpus.ENTRIES;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ArtifactStore store;

    public CorpusStore(ArtifactStore store) {
        this.store = store;
    }

    public ArtifactStore artifactStore() {
        return store;
    }

    /** Stores the image (unless present) and the entry; the same pair added again yields the same entry. */
    public CorpusEntry add(byte[] image, String extension, String mediaType, String caption) {
        String sha = Digests.sha256Hex(image);
        String key = IMAGES + sha + "." + extension;
        if (store.stat(key).map(s -> s.sizeBytes() != image.length).orElse(true)) {
            store.putAt(key, image, mediaType);
        }
        String normalizedCaption = caption.strip().replaceAll("\\s+", " ");
        String entryId = Digests.sha256Hex((sha + "\n" + normalizedCaption).getBytes(StandardCharsets.UTF_8));
        CorpusEntry entry = new CorpusEntry(entryId, key, sha, image.length, mediaType, normalizedCaption);
        try {
            store.putAt(ENTRIES + entryId + ".json", JSON.writeValueAsBytes(entry), "application/json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entry;
    }

    public List<CorpusEntry> entries() {
        return entriesExcept(id -> false);
    }

    /**
     * Entries whose id {@code known} does not accept; ids come from the object keys, so entries already indexed cost
     * no GET (listing is one request per thousand keys).
     */
    public List<CorpusEntry> entriesExcept(java.util.function.Predicate<String> known) {
        List<CorpusEntry> out = new ArrayList<>();
        for (ObjectSummary summary : store.list(ENTRIES)) {
            String name = summary.key().substring(ENTRIES.length());
            String id = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
            if (known.test(id)) {
                continue;
            }
            try {
                out.add(JSON.readValue(store.getBytes(summary.key()), CorpusEntry.class));
            } catch (IOException e) {
                throw new UncheckedIOException("corpus entry " + summary.key() + " is not valid JSON", e);
            }
        }
        return out;
    }
}

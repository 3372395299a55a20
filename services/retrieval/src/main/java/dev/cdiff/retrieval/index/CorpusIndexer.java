package dev.cdiff.retrieval.index;

import dev.cdiff.retrieval.features.CaptionEmbedder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Puts image-caption pairs into the corpus (S3) and their caption features into the index. */
public final class CorpusIndexer {
    private static final Logger LOG = LoggerFactory.getLogger(CorpusIndexer.class);
    private static final int BATCH = 64;

    private final CorpusStore corpus;
    private final CaptionIndex index;
    private final CaptionEmbedder embedder;

    public CorpusIndexer(CorpusStore corpus, CaptionIndex index, CaptionEmbedder embedder) {
        this.corpus = corpus;
        this.index = index;
        this.embedder = embedder;
    }

    /**
     * Ingests a folder of {@code NAME.png|jpg|jpeg|webp} + {@code NAME.txt} pairs; images without a caption file are
     * skipped with a warning. Returns the number of pairs ingested.
     */
    public int ingestFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("corpus folder " + folder + " does not exist or is not a folder");
        }
        List<Path> images;
        try (Stream<Path> files = Files.list(folder)) {
            images = files.filter(p -> mediaType(p) != null).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list corpus folder " + folder, e);
        }
        List<CorpusEntry> pending = new ArrayList<>();
        int count = 0;
        for (Path image : images) {
            String name = image.getFileName().toString();
            Path captionFile = folder.resolve(name.substring(0, name.lastIndexOf('.')) + ".txt");
            if (!Files.isRegularFile(captionFile)) {
                LOG.warn("corpus image {} has no caption file {}; skipped", name, captionFile.getFileName());
                continue;
            }
            try {
                String caption = Files.readString(captionFile, StandardCharsets.UTF_8).strip();
                if (caption.isEmpty()) {
                    LOG.warn("caption file {} is empty; {} skipped", captionFile.getFileName(), name);
                    continue;
                }
                pending.add(corpus.add(Files.readAllBytes(image), extension(image), mediaType(image), caption));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read corpus pair " + name, e);
            }
            if (pending.size() == BATCH) {
                count += indexEntries(pending);
                pending.clear();
            }
        }
        count += indexEntries(pending);
        index.commit();
        return count;
    }

    /** Indexes every corpus entry in S3 the local index lacks (a fresh worker or a new base model). */
    public int syncFromStore() {
        java.util.Set<String> indexed = index.ids();
        List<CorpusEntry> missing = corpus.entriesExcept(indexed::contains);
        int count = 0;
        for (int start = 0; start < missing.size(); start += BATCH) {
            count += indexEntries(missing.subList(start, Math.min(missing.size(), start + BATCH)));
        }
        index.commit();
        if (count > 0) {
            LOG.info("indexed {} corpus captions from the store", count);
        }
        return count;
    }

    private int indexEntries(List<CorpusEntry> entries) {
        if (entries.isEmpty()) {
            return 0;
        }
        List<float[]> features = embedder.embedAll(entries.stream().map(CorpusEntry::caption).toList());
        for (int i = 0; i < entries.size(); i++) {
            index.upsert(entries.get(i), features.get(i));
        }
        return entries.size();
    }

    private static String extension(Path p) {
        String name = p.getFileName().toString();
        return name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    }

    static String mediaType(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return "image/png";
        }
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        if (name.endsWith(".webp")) {
            return "image/webp";
        }
        return null;
    }
}

package dev.cdiff.retrieval.index;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Caption features of the corpus in a Lucene HNSW graph (cosine similarity), one index per base model (features of
 * different text encoders are not comparable). Entries are upserted by id, so re-ingesting a corpus is harmless.
 */
public final class CaptionIndex implements AutoCloseable {
    /**
     * Lucene 9 takes the Vector API only on Java 20 and later. On Java 17 with {@code --add-modules
     * jdk.incubator.vector}, which the launcher and images pass for the merge's layer products (diffusion's
     * merge.ChangeProduct), it logs "your Java version is too old" when it first loads: to an operator that reads like
     * a fault, while it only means Lucene keeps its scalar code, as without the flag. Its provider's notices are all
     * of that kind, so they are kept at SEVERE; the logger is held here because java.util.logging holds loggers
     * weakly, and set before any Lucene class loads, because the notice comes from a static initialiser.
     */
    private static final java.util.logging.Logger LUCENE_VECTORIZATION_NOTICES = quietVectorizationNotices();
    static final String ID = "id";
    static final String VECTOR = "caption_vector";
    private static final String IMAGE_KEY = "image_key";
    private static final String IMAGE_SHA = "image_sha256";
    private static final String IMAGE_SIZE = "image_size";
    private static final String MEDIA_TYPE = "media_type";
    private static final String CAPTION = "caption";

    private final FSDirectory directory;
    private final IndexWriter writer;
    private final int dimension;

    public CaptionIndex(Path dir, int dimension) {
        this.dimension = dimension;
        try {
            this.directory = FSDirectory.open(dir);
            this.writer = new IndexWriter(directory, new IndexWriterConfig()
                    .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open caption index at " + dir, e);
        }
    }

    public int dimension() {
        return dimension;
    }

    /** Adds or replaces an entry; visible to searches after {@link #commit()}. */
    public void upsert(CorpusEntry entry, float[] feature) {
        if (feature.length != dimension) {
            throw new IllegalArgumentException("caption feature has " + feature.length + " dimensions, the index "
                    + dimension);
        }
        Document doc = new Document();
        doc.add(new StringField(ID, entry.entryId(), Field.Store.YES));
        doc.add(new StoredField(IMAGE_KEY, entry.imageKey()));
        doc.add(new StoredField(IMAGE_SHA, entry.imageSha256()));
        doc.add(new StoredField(IMAGE_SIZE, entry.imageSizeBytes()));
        doc.add(new StoredField(MEDIA_TYPE, entry.mediaType()));
        doc.add(new StoredField(CAPTION, entry.caption()));
        doc.add(new KnnFloatVectorField(VECTOR, feature, VectorSimilarityFunction.COSINE));
        try {
            writer.updateDocument(new Term(ID, entry.entryId()), doc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot add corpus entry " + entry.entryId() + " to the caption index", e);
        }
    }

    public void commit() {
        try {
            writer.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit the caption index", e);
        }
    }

    public int size() {
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
            return reader.numDocs();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean contains(String entryId) {
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
            return new IndexSearcher(reader).count(new TermQuery(new Term(ID, entryId))) > 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ids of every entry (one reader, for syncing against the corpus in S3). */
    public java.util.Set<String> ids() {
        java.util.Set<String> out = new java.util.HashSet<>();
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
            org.apache.lucene.index.StoredFields fields = reader.storedFields();
            for (org.apache.lucene.index.LeafReaderContext leaf : reader.leaves()) {
                org.apache.lucene.util.Bits live = leaf.reader().getLiveDocs();
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    if (live == null || live.get(doc)) {
                        out.add(fields.document(leaf.docBase + doc, java.util.Set.of(ID)).get(ID));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Up to {@code limit} entries whose caption cosine to {@code query} exceeds {@code minCosine}, most similar first.
     *
     * <p>The selection must be the same wherever it is made again (an audit re-derives a class set on an index it
     * built itself, in another order and with caption features computed in other batches). So ties are broken by
     * entry id on cosines rounded to {@value #COSINE_DIGITS} decimals, below the batch-dependent last bits of the
     * features and above any real difference of two captions; and an index of up to {@value #EXACT_LIMIT} entries
     * is searched exhaustively (HNSW asked for every entry), because HNSW's approximate answer depends on the order
     * the graph was built in. A corpus of duplicate captions (a toy world has many) is where both matter. Larger
     * indexes take the best {@code 8 x limit} of the approximate search.
     */
    public List<CaptionMatch> search(float[] query, int limit, double minCosine) {
        if (limit <= 0) {
            return List.of();
        }
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
            if (reader.numDocs() == 0) {
                return List.of();
            }
            int candidates = reader.numDocs() <= EXACT_LIMIT ? reader.numDocs()
                    : (int) Math.min(reader.numDocs(), 8L * limit);
            IndexSearcher searcher = new IndexSearcher(reader);
            TopDocs top = searcher.search(new KnnFloatVectorQuery(VECTOR, query, candidates), candidates);
            List<CaptionMatch> out = new ArrayList<>();
            for (ScoreDoc hit : top.scoreDocs) {
                double cosine = 2.0 * hit.score - 1.0;
                if (cosine <= minCosine) {
                    continue;
                }
                Document d = searcher.storedFields().document(hit.doc);
                out.add(new CaptionMatch(new CorpusEntry(d.get(ID), d.get(IMAGE_KEY), d.get(IMAGE_SHA),
                        d.getField(IMAGE_SIZE).numericValue().longValue(), d.get(MEDIA_TYPE), d.get(CAPTION)), cosine));
            }
            out.sort(RANKING);
            return List.copyOf(out.subList(0, Math.min(limit, out.size())));
        } catch (IOException e) {
            throw new UncheckedIOException("caption index search failed", e);
        }
    }

    static final int EXACT_LIMIT = 20_000;
    static final int COSINE_DIGITS = 5;
    private static final double COSINE_SCALE = Math.pow(10, COSINE_DIGITS);
    /** Most similar first on rounded cosines, then by entry id. */
    static final java.util.Comparator<CaptionMatch> RANKING = java.util.Comparator
            .comparingLong((CaptionMatch m) -> -Math.round(m.cosine() * COSINE_SCALE))
            .thenComparing(m -> m.entry().entryId());

    @Override
    public void close() {
        try {
            writer.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.util.logging.Logger quietVectorizationNotices() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(
                "org.apache.lucene.internal.vectorization.VectorizationProvider");
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }
}

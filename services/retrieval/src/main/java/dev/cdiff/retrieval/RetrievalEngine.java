package dev.cdiff.retrieval;

import dev.cdiff.diffusion.delta.BaseModelDigest;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.retrieval.classset.ClassSet;
import dev.cdiff.retrieval.classset.ClassSetBuilder;
import dev.cdiff.retrieval.classset.ClassSetParams;
import dev.cdiff.retrieval.classset.PipelineClassImageGenerator;
import dev.cdiff.retrieval.features.CaptionEmbedder;
import dev.cdiff.retrieval.index.CaptionIndex;
import dev.cdiff.retrieval.index.CorpusIndexer;
import dev.cdiff.retrieval.index.CorpusStore;

import java.nio.file.Path;

/**
 * Everything retrieval knows how to do, without Kafka: ingest a corpus, keep the index in step with S3, and obtain a
 * class set. Shared by {@link RetrievalService} and {@link CorpusIngest}.
 */
public final class RetrievalEngine implements AutoCloseable {
    private final RetrievalSettings settings;
    private final String baseModelDigest;
    private final CaptionEmbedder embedder;
    private final CaptionIndex index;
    private final CorpusIndexer indexer;
    private final ClassSetBuilder builder;
    private final PipelineClassImageGenerator generator;
    private long lastSyncNanos = Long.MIN_VALUE;

    public RetrievalEngine(RetrievalSettings settings, ArtifactStore store) {
        this.settings = settings;
        this.baseModelDigest = BaseModelDigest.of(settings.baseModelDir());
        this.embedder = CaptionEmbedder.load(settings.baseModelDir());
        // features of different text encoders are not comparable: one index per base model
        Path dir = settings.indexDir().resolve(baseModelDigest.substring(0, 16));
        this.index = new CaptionIndex(dir, embedder.dimension());
        this.indexer = new CorpusIndexer(new CorpusStore(store), index, embedder);
        this.generator = settings.generate()
                ? new PipelineClassImageGenerator(settings.baseModelDir(), settings.generationScheduler()) : null;
        this.builder = new ClassSetBuilder(store, index, embedder, generator);
    }

    public String baseModelDigest() {
        return baseModelDigest;
    }

    public CaptionIndex index() {
        return index;
    }

    public int ingestFolder(Path folder) {
        int n = indexer.ingestFolder(folder);
        lastSyncNanos = System.nanoTime();
        return n;
    }

    /** Indexes corpus entries another process added to S3, at most once per RETRIEVAL_SYNC_SECONDS. */
    public synchronized int syncIfStale() {
        long now = System.nanoTime();
        if (lastSyncNanos != Long.MIN_VALUE && now - lastSyncNanos < settings.syncSeconds() * 1_000_000_000L) {
            return 0;
        }
        int n = indexer.syncFromStore();
        lastSyncNanos = now;
        return n;
    }

    public ClassSetParams params(String classPrompt, int maxImages, double minSimilarity) {
        return new ClassSetParams(baseModelDigest, classPrompt, maxImages, minSimilarity, settings.minImages(),
                settings.generationSteps(), settings.generationGuidance(), settings.generationSide(),
                settings.generationSeed());
    }

    public ClassSet classSet(ClassSetParams params) {
        syncIfStale();
        return builder.obtain(params);
    }

    /** The class set selected afresh, ignoring the cache and storing nothing (see {@link ClassSetBuilder#rederive}). */
    public ClassSet rederiveClassSet(ClassSetParams params) {
        syncIfStale();
        return builder.rederive(params);
    }

    @Override
    public void close() {
        index.close();
        embedder.close();
        if (generator != null) {
            generator.close();
        }
    }
}

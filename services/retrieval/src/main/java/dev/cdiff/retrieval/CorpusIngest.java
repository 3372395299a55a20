package dev.cdiff.retrieval;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;

import java.nio.file.Path;

/**
 * {@code CorpusIngest <folder>}: puts a folder of image + caption pairs ({@code NNN.png} + {@code NNN.txt}; jpg and
 * webp too) into the shared corpus in S3 and into the caption index of the configured base model. Uses the same
 * settings as the retrieval service (S3_*, BASE_MODEL_DIR, RETRIEVAL_INDEX_DIR). While a retrieval service holds the
 * same index folder, run this with another RETRIEVAL_INDEX_DIR (or call {@link RetrievalService#ingestCorpus}): the
 * service picks up new S3 entries on its next sync.
 */
public final class CorpusIngest {
    private CorpusIngest() {
    }

    /** Ingests the folder; returns the number of pairs. */
    public static int run(ServiceConfig config, Path folder) {
        ServiceConfig named = config.optional(ServiceConfig.SERVICE_NAME).isPresent() ? config
                : config.with(ServiceConfig.SERVICE_NAME, RetrievalService.DEFAULT_NAME);
        ArtifactStore store = ArtifactStore.fromConfig(named).ensureBucket();
        RetrievalSettings settings = RetrievalSettings.from(named);
        try (RetrievalEngine engine = new RetrievalEngine(settings, store)) {
            return engine.ingestFolder(folder);
        }
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: CorpusIngest <folder of NNN.png + NNN.txt pairs>");
            System.exit(2);
        }
        int n = run(ServiceConfig.fromEnvironment(), Path.of(args[0]));
        System.out.println("ingested " + n + " image-caption pairs from " + args[0]);
    }
}

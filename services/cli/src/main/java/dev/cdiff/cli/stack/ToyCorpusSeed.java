package dev.cdiff.cli.stack;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.corpus.SharedCorpus;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.retrieval.CorpusIngest;
import dev.cdiff.toyworld.corpus.CorpusWriter;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The regularization corpus of the demo model's world: captioned toy-world images put into an empty shared corpus
 * through retrieval's own ingest path, so class sets are retrieved real images (as the paper's ~200 LAION images)
 * and merges are constrained by real captions rather than generated images and template captions. The images are
 * the toy world's TRAIN split, solid-filled objects only: no concept's patterned target image is ever in the corpus,
 * so the demo's concepts stay unseen. A corpus already present (this seed from an earlier start, or anyone else's)
 * is never touched.
 */
public final class ToyCorpusSeed {
    private static final Logger LOG = LoggerFactory.getLogger(ToyCorpusSeed.class);
    /** Setting (over the stack profile) with the number of pairs to seed; 0 turns seeding off. */
    public static final String IMAGES_SETTING = "CDIFF_TOY_CORPUS_IMAGES";
    public static final int DEFAULT_IMAGES = 1_000;
    public static final long SEED = 20_240;

    private ToyCorpusSeed() {
    }

    /** {@code <workspace>/corpus/toy-<images>-<seed>}: the rendered pairs, kept so a reset bucket re-seeds quickly. */
    static Path folder(Path workspace, int images) {
        return workspace.resolve("corpus").resolve("toy-" + images + "-" + SEED);
    }

    /**
     * Seeds the shared corpus unless it holds an entry already. Runs before the retrieval service starts: the ingest
     * writes the same caption index folder the service then opens.
     *
     * @param retrieval the retrieval service's configuration (S3, base model, index folder)
     * @return the number of pairs ingested, 0 when the corpus was already there or seeding is off
     */
    public static int ensure(Path workspace, ServiceConfig retrieval, int images) {
        if (images <= 0) {
            return 0;
        }
        ArtifactStore store = ArtifactStore.fromConfig(retrieval).ensureBucket();
        if (!new SharedCorpus(store).entryIds().isEmpty()) {
            return 0;
        }
        long start = System.nanoTime();
        Path rendered = render(folder(workspace, images), images);
        int n = CorpusIngest.run(retrieval, rendered);
        LOG.info("seeded the shared corpus with {} captioned toy-world images in {} ms", n,
                (System.nanoTime() - start) / 1_000_000);
        return n;
    }

    private static Path render(Path dir, int images) {
        return CompletedFolder.ensure(dir, "toy world TRAIN split, seed " + SEED,
                staging -> CorpusWriter.write(staging, ToyWorld.defaults(), images, SEED, Split.TRAIN));
    }
}

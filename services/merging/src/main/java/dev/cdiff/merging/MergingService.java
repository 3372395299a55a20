package dev.cdiff.merging;


import dev.cdiff.diffusion.delta.BaseModelDigest;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.merge.MergeWarmUp;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.text.ClipTextConfig;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ConfigException;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.corpus.SharedCorpus;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.ServiceConnections;
import dev.cdiff.schemas.events.MergeRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The merging service: consumes MergeRequested (group {@code merging} unless CONSUMER_GROUP says otherwise).
 * Settings: {@code BASE_MODEL_DIR} (required), {@code MERGE_CAPTION_SEED} (0) plus the platform's. Regularization
 * captions come from the retrieval corpus in the shared area of the artifact store ({@link SharedCorpus}). A merge runs on the poll thread (seconds to
 * minutes); the platform's max.poll.interval.ms (1 hour) covers it.
 */
public final class MergingService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MergingService.class);
    public static final String DEFAULT_NAME = "merging";
    public static final String BASE_MODEL_DIR = "BASE_MODEL_DIR";
    /** Seed of the corpus caption sample (default 0); change it only to study how the sample matters. */
    public static final String CAPTION_SEED = "MERGE_CAPTION_SEED";

    private final ServiceConnections connections;
    private final String baseModelDigest;
    private final EventLoop<MergeRequested> loop;
    private final Map<String, float[]> baseKv;
    private final int width;

    public MergingService(ServiceConfig rawConfig) {
        Path model = Path.of(rawConfig.required(BASE_MODEL_DIR));
        if (!Files.isDirectory(model)) {
            throw new ConfigException(BASE_MODEL_DIR + " = " + model + " is not a folder");
        }
        // the K/V weights alone (SD-1.5: 77 MB), once: a job then skips the 3.4 GB UNet load (2-2.5 s)
        ModelFolder folder = new ModelFolder(model);
        this.baseKv = UNet2DConditionModel.loadCrossAttentionKv(folder.unetDir());
        this.width = ClipTextConfig.from(ModelFolder.readConfig(folder.textEncoderDir())).hiddenSize();
        this.connections = ServiceConnections.open(rawConfig, DEFAULT_NAME);
        ServiceConfig config = connections.config();
        this.baseModelDigest = BaseModelDigest.of(model);
        long captionSeed = config.optional(CAPTION_SEED).map(v -> parseSeed(v)).orElse(0L);
        MergeHandler handler = new MergeHandler(folder, baseModelDigest, baseKv, connections.store(),
                connections.publisher(), config.workDir().resolve("merging"),
                new CorpusCaptionPicker(new SharedCorpus(connections.store()), captionSeed));
        this.loop = connections.eventLoop(MergeRequested.class, Topics.MERGE_REQUESTED)
                .handler(handler::handle)
                .build();
    }

    private static long parseSeed(String raw) {
        try {
            return Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(CAPTION_SEED + " must be an integer, got '" + raw + "'");
        }
    }

    public synchronized MergingService start() {
        // beside the event loop, so a job that arrives at once is not held back; it only competes for the cores
        Thread warmUp = new Thread(this::warmUp, "merge-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        loop.start();
        LOG.info("merging started on base model {}", baseModelDigest.substring(0, 12));
        return this;
    }

    private void warmUp() {
        long start = System.nanoTime();
        try {
            double error = MergeWarmUp.run(baseKv, width, 0);
            LOG.info("merge code warmed up on the base model's {} K/V weights in {} ms (constraint error {})",
                    baseKv.size(), (System.nanoTime() - start) / 1_000_000, error);
        } catch (RuntimeException e) {
            LOG.warn("merge warm-up failed, so the first merge compiles the merge code itself: {}", e.toString());
        }
    }

    public String baseModelDigest() {
        return baseModelDigest;
    }

    public EventLoop<MergeRequested> loop() {
        return loop;
    }

    @Override
    public synchronized void close() {
        loop.close();
        connections.close();
    }
}

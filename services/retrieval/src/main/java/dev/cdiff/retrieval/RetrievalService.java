package dev.cdiff.retrieval;


import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.ServiceConnections;
import dev.cdiff.schemas.events.RegularizationRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The retrieval service: consumes RegularizationRequested (group {@code retrieval} unless CONSUMER_GROUP says
 * otherwise) and answers RegularizationReady. Runs alone ({@link RetrievalMain}) or in a shared JVM.
 */
public final class RetrievalService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetrievalService.class);
    public static final String DEFAULT_NAME = "retrieval";

    private final ServiceConfig config;
    private final RetrievalEngine engine;
    private final ServiceConnections connections;
    private final EventLoop<RegularizationRequested> loop;

    public RetrievalService(ServiceConfig rawConfig) {
        this.connections = ServiceConnections.open(rawConfig, DEFAULT_NAME);
        this.config = connections.config();
        this.engine = new RetrievalEngine(RetrievalSettings.from(config), connections.store());
        RegularizationHandler handler = new RegularizationHandler(engine, connections.publisher());
        this.loop = connections.eventLoop(RegularizationRequested.class, Topics.REGULARIZATION_REQUESTED)
                .handler(handler::handle)
                .build();
    }

    public synchronized RetrievalService start() {
        int indexed = engine.syncIfStale();
        LOG.info("retrieval started (base model {}, {} captions indexed, {} new from the store)",
                engine.baseModelDigest().substring(0, 12), engine.index().size(), indexed);
        loop.start();
        return this;
    }

    /** Ingests a corpus folder into this service's store and index (the in-process form of {@link CorpusIngest}). */
    public int ingestCorpus(Path folder) {
        return engine.ingestFolder(folder);
    }

    public RetrievalEngine engine() {
        return engine;
    }

    public EventLoop<RegularizationRequested> loop() {
        return loop;
    }

    @Override
    public synchronized void close() {
        loop.close();
        connections.close();
        engine.close();
    }
}

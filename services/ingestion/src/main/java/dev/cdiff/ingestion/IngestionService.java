package dev.cdiff.ingestion;


import dev.cdiff.ingestion.normalize.ImageNormalizer;
import dev.cdiff.ingestion.validate.SubmissionValidator;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.ServiceConnections;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.IngestionRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The ingestion service: the IngestionRequested consumer (group {@code ingestion} unless CONSUMER_GROUP says
 * otherwise) feeding {@link ConceptIngestion}. It has no HTTP face: tenants upload through the gateway, which stores
 * the images under the tenant's prefix and asks for them with IngestionRequested. {@link #start()} / {@link #close()} let it
 * run alone ({@link IngestionMain}) or beside the other services in one JVM.
 */
public final class IngestionService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestionService.class);
    public static final String DEFAULT_NAME = "ingestion";

    private final ServiceConfig config;
    private final IngestionSettings settings;
    private final ArtifactStore store;
    private final ServiceConnections connections;
    private final ConceptIngestion ingestion;
    private final EventLoop<IngestionRequested> loop;

    public IngestionService(ServiceConfig rawConfig) {
        this.settings = IngestionSettings.from(rawConfig);
        this.connections = ServiceConnections.open(rawConfig, DEFAULT_NAME);
        this.config = connections.config();
        this.store = connections.store();
        this.ingestion = new ConceptIngestion(
                new ConceptPreparer(new SubmissionValidator(settings.limits()),
                        new ImageNormalizer(settings.limits().outputSide()), settings.defaultInitializerWord()),
                store, connections.publisher());
        this.loop = connections.eventLoop(IngestionRequested.class, Topics.INGESTION_REQUESTED)
                .handler(ingestion::onIngestionRequested)
                .build();
    }

    public synchronized IngestionService start() {
        loop.start();
        LOG.info("ingestion started: {}", config);
        return this;
    }

    public ConceptIngestion ingestion() {
        return ingestion;
    }

    public EventLoop<IngestionRequested> loop() {
        return loop;
    }

    @Override
    public synchronized void close() {
        loop.close();
        connections.close();
    }
}

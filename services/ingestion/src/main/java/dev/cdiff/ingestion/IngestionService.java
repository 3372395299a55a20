package dev.cdiff.ingestion;


import dev.cdiff.ingestion.normalize.ImageNormalizer;
import dev.cdiff.ingestion.validate.SubmissionValidator;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.kafka.KafkaAccess;
import dev.cdiff.platform.kafka.NonRetryableException;
import dev.cdiff.platform.kafka.ServiceConnections;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.IngestionRequested;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Pattern;

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
    private final EventLoop<IngestionRequested> triggers;

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
        // external systems trigger on ingestion-requested.<tenant>, each allowed by ACL to write only the topics of
        // the tenants bound to it; the tenant is the topic's, and an event naming another is refused
        this.triggers = connections.eventLoop(IngestionRequested.class, Topics.INGESTION_REQUESTED,
                        connections.clients().consumer(KafkaAccess.INGESTION_TRIGGER_GROUP,
                                new ByteArrayDeserializer(), new ByteArrayDeserializer()))
                .topicPattern(Pattern.compile(Pattern.quote(config.topic(KafkaAccess.TRIGGER_TOPIC_PREFIX)) + ".+"))
                .handler(this::onTrigger)
                .build();
    }

    private void onTrigger(InboundEvent<IngestionRequested> inbound) {
        String logical = inbound.topic().substring(config.topicPrefix().length());
        String boundTenant = KafkaAccess.tenantOfTriggerTopic(logical);
        String claimed = inbound.value().getTenantId();
        if (boundTenant == null || !boundTenant.equals(claimed)) {
            throw new NonRetryableException("TENANT_NOT_BOUND: trigger topic " + inbound.topic() + " belongs to tenant '"
                    + boundTenant + "', the event names tenant '" + claimed + "'; nothing was read or stored");
        }
        ingestion.onIngestionRequested(inbound);
    }

    public synchronized IngestionService start() {
        loop.start();
        triggers.start();
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
        triggers.close();
        loop.close();
        connections.close();
    }
}

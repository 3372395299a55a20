package dev.cdiff.sampling;


import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ConfigException;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.ServiceConnections;
import dev.cdiff.schemas.events.SampleRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sampling service: consumes SampleRequested (group {@code sampling} unless CONSUMER_GROUP says otherwise).
 * Settings: {@code BASE_MODEL_DIR} (required) plus the platform's. Sampling runs on the poll thread; the platform's
 * max.poll.interval.ms (1 hour) covers a request of up to 64 images.
 */
public final class SamplingService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SamplingService.class);
    public static final String DEFAULT_NAME = "sampling";
    public static final String BASE_MODEL_DIR = "BASE_MODEL_DIR";

    private final ServiceConnections connections;
    private final Pipelines pipelines;
    private final EventLoop<SampleRequested> loop;

    public SamplingService(ServiceConfig rawConfig) {
        Path model = Path.of(rawConfig.required(BASE_MODEL_DIR));
        if (!Files.isDirectory(model)) {
            throw new ConfigException(BASE_MODEL_DIR + " = " + model + " is not a folder");
        }
        this.connections = ServiceConnections.open(rawConfig, DEFAULT_NAME);
        ServiceConfig config = connections.config();
        this.pipelines = new Pipelines(model);
        SampleHandler handler = new SampleHandler(pipelines, connections.store(), connections.publisher(),
                config.workDir().resolve("sampling"));
        this.loop = connections.eventLoop(SampleRequested.class, Topics.SAMPLE_REQUESTED)
                .handler(handler::handle)
                .build();
    }

    public synchronized SamplingService start() {
        loop.start();
        LOG.info("sampling started on base model {}", pipelines.baseModelDigest().substring(0, 12));
        return this;
    }

    public String baseModelDigest() {
        return pipelines.baseModelDigest();
    }

    public EventLoop<SampleRequested> loop() {
        return loop;
    }

    @Override
    public synchronized void close() {
        loop.close();
        connections.close();
        pipelines.close();
    }
}

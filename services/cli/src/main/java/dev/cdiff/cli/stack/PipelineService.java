package dev.cdiff.cli.stack;

import dev.cdiff.gateway.GatewayService;
import dev.cdiff.ingestion.IngestionService;
import dev.cdiff.merging.MergingService;
import dev.cdiff.orchestrator.OrchestratorConfig;
import dev.cdiff.platform.audit.EventArchiver;
import dev.cdiff.orchestrator.OrchestratorService;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.retrieval.RetrievalService;
import dev.cdiff.sampling.SamplingService;
import dev.cdiff.training.TrainingService;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The processes of the pipeline and how to start one of them from a {@link ServiceConfig}. Each runs with its
 * own consumer group (its name), so in one JVM they behave as they do in separate containers.
 */
public enum PipelineService {
    INGESTION, RETRIEVAL, TRAINING, MERGING, SAMPLING, ORCHESTRATOR, GATEWAY,
    /** Keeps every job's events for ever in a hash-chained log in S3, for {@code ./cdiff audit}. */
    ARCHIVER;

    /** A started service; closing it stops it. */
    public interface Running extends AutoCloseable {
        PipelineService service();

        /** Base URL of its HTTP API, or null when it has none. */
        String httpUrl();

        @Override
        void close();
    }

    public String serviceName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PipelineService named(String name) {
        for (PipelineService s : values()) {
            if (s.serviceName().equalsIgnoreCase(name.strip())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown service '" + name + "'; known: " + names());
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(PipelineService::serviceName).toList();
    }

    /** Starts the service; returns once it is consuming (the orchestrator: once its streams are RUNNING). */
    public Running start(ServiceConfig rawConfig) {
        ServiceConfig config = rawConfig.optional(ServiceConfig.SERVICE_NAME).isPresent() ? rawConfig
                : rawConfig.with(ServiceConfig.SERVICE_NAME, serviceName());
        config.checkSecrets();
        return switch (this) {
            case INGESTION -> {
                IngestionService s = new IngestionService(config).start();
                yield running(() -> null, s::close);
            }
            case RETRIEVAL -> {
                RetrievalService s = new RetrievalService(config).start();
                yield running(() -> null, s::close);
            }
            case TRAINING -> {
                TrainingService s = new TrainingService(config).start();
                yield running(() -> null, s::close);
            }
            case MERGING -> {
                MergingService s = new MergingService(config).start();
                yield running(() -> null, s::close);
            }
            case SAMPLING -> {
                SamplingService s = new SamplingService(config).start();
                yield running(() -> null, s::close);
            }
            case GATEWAY -> {
                GatewayService s = new GatewayService(config).start();
                yield running(s::httpUrl, s::close);
            }
            case ARCHIVER -> {
                EventArchiver s = new EventArchiver(config).start();
                yield running(() -> null, s::close);
            }
            case ORCHESTRATOR -> {
                OrchestratorService s = OrchestratorService.start(OrchestratorConfig.from(config));
                try {
                    if (!s.awaitRunning(Duration.ofSeconds(120))) {
                        s.close();
                        throw new IllegalStateException("the orchestrator's streams did not reach RUNNING (state "
                                + s.state() + ")");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    s.close();
                    throw new IllegalStateException("interrupted while the orchestrator was starting", e);
                }
                yield running(s::httpUrl, s::close);
            }
        };
    }

    private Running running(java.util.function.Supplier<String> url, Runnable close) {
        PipelineService self = this;
        return new Running() {
            @Override
            public PipelineService service() {
                return self;
            }

            @Override
            public String httpUrl() {
                return url.get();
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}

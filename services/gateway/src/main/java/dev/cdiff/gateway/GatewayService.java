package dev.cdiff.gateway;

import dev.cdiff.gateway.http.GatewayHttpApi;
import dev.cdiff.gateway.http.HttpServerLimits;
import dev.cdiff.gateway.jobs.OrchestratorJobs;
import dev.cdiff.gateway.keys.ApiKeyStore;
import dev.cdiff.gateway.links.DownloadLinks;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.ServiceConnections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * The public API service: authenticates tenants by API key and turns their requests into the pipeline's events,
 * reads job status from the orchestrator's internal endpoint and serves artifacts through signed links. It consumes
 * nothing; it publishes IngestionRequested, MergeRequested and SampleRequested.
 */
public final class GatewayService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayService.class);
    public static final String DEFAULT_NAME = "gateway";

    private final GatewaySettings settings;
    private final ServiceConnections connections;
    private final ApiKeyStore keys;
    private GatewayHttpApi http;

    public GatewayService(ServiceConfig config) {
        this.settings = GatewaySettings.from(config);
        this.connections = ServiceConnections.open(config, DEFAULT_NAME);
        this.keys = new ApiKeyStore(settings.keysFile());
    }

    public synchronized GatewayService start() {
        OrchestratorJobs jobs = new OrchestratorJobs(settings.orchestratorUrl(), settings.orchestratorToken());
        try {
            http = new GatewayHttpApi(settings, keys, jobs,
                    new DownloadLinks(settings.linkSecret(), settings.linkLifetime(), Clock.systemUTC()),
                    connections.store(), new TenantActions(connections.store(), connections.publisher(), jobs,
                    settings.maxImages()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the gateway port " + settings.httpHost() + ":"
                    + settings.httpPort() + " (" + GatewaySettings.HTTP_PORT + ")", e);
        }
        http.start();
        if (keys.keys().stream().noneMatch(k -> !k.revoked())) {
            LOG.warn("the key store {} holds no usable key: every request will be answered 401 (add one with"
                    + " './cdiff tenant add NAME' and './cdiff key create NAME')", keys.file());
        }
        LOG.info("gateway started: {}", settings);
        return this;
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public String httpUrl() {
        return "http://" + settings.httpHost() + ":" + httpPort();
    }

    public ApiKeyStore keys() {
        return keys;
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.close();
        }
        connections.close();
    }

    /** Runs alone; settings from the environment over the file named by CDIFF_CONFIG. */
    public static void main(String[] args) throws InterruptedException {
        HttpServerLimits.apply();
        GatewayService service = new GatewayService(ServiceConfig.fromEnvironment().checkSecrets()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        stopped.await();
    }
}

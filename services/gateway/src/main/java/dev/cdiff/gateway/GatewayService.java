package dev.cdiff.gateway;

import dev.cdiff.gateway.console.ConsolePages;
import dev.cdiff.gateway.http.BodyDeadline;
import dev.cdiff.gateway.http.GatewayHttpApi;
import dev.cdiff.gateway.jobs.OrchestratorJobs;
import dev.cdiff.gateway.keys.ApiKeyStore;
import dev.cdiff.gateway.links.DownloadLinks;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.health.DependencyChecks;
import dev.cdiff.platform.health.HealthCheck;
import dev.cdiff.platform.kafka.ServiceConnections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.apache.kafka.clients.admin.Admin;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The public API service: authenticates tenants by API key and turns their requests into the pipeline's events,
 * reads job status from the orchestrator's internal endpoint and serves artifacts through signed links. It consumes
 * nothing; it publishes IngestionRequested, MergeRequested and SampleRequested. The same server serves the tenant's
 * web console under {@code /console} and its own {@code /health/live} and {@code /health/ready} (ready while the
 * broker, the schema registry and S3 answer).
 */
public final class GatewayService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayService.class);
    public static final String DEFAULT_NAME = "gateway";

    private final GatewaySettings settings;
    private final ServiceConnections connections;
    private final ApiKeyStore keys;
    private final Admin admin;
    private final BodyDeadline bodyDeadline;
    private GatewayHttpApi http;

    /** Console sessions end after this, whatever the tenant does. */
    static final Duration CONSOLE_SESSION = Duration.ofHours(8);

    public GatewayService(ServiceConfig config) {
        this.settings = GatewaySettings.from(config);
        this.connections = ServiceConnections.open(config, DEFAULT_NAME);
        this.keys = new ApiKeyStore(settings.keysFile());
        this.admin = connections.clients().admin();
        this.bodyDeadline = new BodyDeadline(settings.bodyTimeout());
    }

    public synchronized GatewayService start() {
        OrchestratorJobs jobs = new OrchestratorJobs(settings.orchestratorUrl(), settings.orchestratorToken());
        DownloadLinks links = new DownloadLinks(settings.linkSecret(), settings.linkLifetime(), Clock.systemUTC());
        TenantActions actions = new TenantActions(connections.store(), connections.publisher(), jobs,
                settings.maxImages());
        Map<String, HealthCheck> readiness = new LinkedHashMap<>();
        readiness.put("broker", DependencyChecks.broker(admin));
        readiness.put("schema-registry", DependencyChecks.registry(connections.config().schemaRegistryUrl()));
        readiness.put("object-store", DependencyChecks.objectStore(connections.store()));
        ConsolePages console = new ConsolePages(keys, jobs, links, connections.store(), actions, bodyDeadline,
                settings.maxUploadBytes(), CONSOLE_SESSION);
        http = new GatewayHttpApi(settings, keys, jobs, links, connections.store(), actions, bodyDeadline, readiness,
                console::register);
        try {
            http.start();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open the gateway port " + settings.httpHost() + ":"
                    + settings.httpPort() + " (" + GatewaySettings.HTTP_PORT + ")", e);
        }
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

    /** Method and path of every route the HTTP server serves. */
    public List<String> httpRoutes() {
        return http.routes();
    }

    public ApiKeyStore keys() {
        return keys;
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.close();
        }
        bodyDeadline.close();
        admin.close(Duration.ofSeconds(5));
        connections.close();
    }

    /** Runs alone; settings from the environment over the file named by CDIFF_CONFIG. */
    public static void main(String[] args) throws InterruptedException {
        GatewayService service = new GatewayService(ServiceConfig.fromEnvironment()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        stopped.await();
    }
}

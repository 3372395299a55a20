package dev.cdiff.orchestrator;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.quota.Quotas;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the orchestrator runs: its Kafka Streams identity, state folder and HTTP endpoint, on top of the shared
 * {@link ServiceConfig} (bootstrap servers, registry URL, topic prefix, work dir, KAFKA_CLIENT_* overrides).
 *
 * @param advertisedHost host:port other instances use to reach this one's HTTP endpoint (Streams' application.server)
 * @param httpToken      service token every job query must bear ({@code Authorization: Bearer}); the status
 *                       endpoint is internal (the gateway is the tenants' way in), so it is required unless the
 *                       endpoint listens on loopback only
 * @param createTopics create missing topics from the platform's topic definitions (partitions, retention) at start;
 *                     off where a deployment step creates them (docker-compose's topics container)
 */
public record OrchestratorConfig(
        ServiceConfig service,
        String applicationId,
        Path stateDir,
        String httpHost,
        int httpPort,
        String advertisedHost,
        String httpToken,
        boolean createTopics,
        boolean autoRegisterSchemas,
        OrchestratorSettings settings,
        JobLifecycle lifecycle,
        Quotas quotas) {

    public static final String APPLICATION_ID = "orchestrator.application.id";
    public static final String STATE_DIR = "orchestrator.state.dir";
    public static final String HTTP_HOST = "orchestrator.http.host";
    public static final String HTTP_PORT = "orchestrator.http.port";
    public static final String ADVERTISED_HOST = "orchestrator.http.advertised.host";
    public static final String HTTP_TOKEN = "orchestrator.http.token";
    public static final String CREATE_TOPICS = "orchestrator.create.topics";
    public static final String AUTO_REGISTER_SCHEMAS = "orchestrator.auto.register.schemas";
    public static final int DEFAULT_HTTP_PORT = 8086;

    public static OrchestratorConfig from(ServiceConfig service) {
        ConfigValues v = new ConfigValues(key -> service.optional(key).orElse(null));
        String applicationId = v.text(APPLICATION_ID, "cdiff-orchestrator");
        Path workDir = service.optional(ServiceConfig.WORK_DIR).map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "cdiff-orchestrator"));
        Path stateDir = Path.of(v.text(STATE_DIR, workDir.resolve("orchestrator").resolve("streams-state").toString()));
        String httpHost = v.text(HTTP_HOST, "127.0.0.1");
        int httpPort = v.integer(HTTP_PORT, DEFAULT_HTTP_PORT, 0);
        if (httpPort > 65535) {
            throw new IllegalArgumentException("setting " + HTTP_PORT + " must be a port 0..65535, got " + httpPort);
        }
        String advertised = v.text(ADVERTISED_HOST, null);
        String token = v.text(HTTP_TOKEN, null);
        if (token != null && token.length() < 16) {
            throw new IllegalArgumentException("setting " + HTTP_TOKEN + " must be at least 16 characters");
        }
        if (token == null && !isLoopback(httpHost)) {
            throw new IllegalArgumentException("the job status endpoint would listen on " + httpHost + " without a"
                    + " service token: set " + HTTP_TOKEN + " (ORCHESTRATOR_HTTP_TOKEN), or bind it to 127.0.0.1");
        }
        return new OrchestratorConfig(service, applicationId, stateDir, httpHost, httpPort, advertised, token,
                v.bool(CREATE_TOPICS, true), v.bool(AUTO_REGISTER_SCHEMAS, true),
                OrchestratorSettings.fromServiceConfig(service), JobLifecycle.fromServiceConfig(service),
                Quotas.from(service));
    }

    private static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
    }

    public static OrchestratorConfig from(Map<String, String> settings) {
        return from(ServiceConfig.of(settings));
    }
}

package dev.cdiff.cli.stack;

import dev.cdiff.diffusion.delta.BaseModelDigest;
import dev.cdiff.cli.model.DemoBaseModel;
import dev.cdiff.embedded.EmbeddedStack;
import dev.cdiff.embedded.StackCredentials;
import dev.cdiff.gateway.GatewaySettings;
import dev.cdiff.platform.config.ServiceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The whole pipeline in one JVM: the embedded broker, S3 endpoint and schema registry ({@link EmbeddedStack}) in one
 * workspace folder, then ingestion, retrieval, training, merging, sampling and the orchestrator, each with its own
 * consumer group and scratch folder ({@code <workspace>/services/<name>}), and the gateway, the only way in for
 * tenants. The local CLI gets a key of its own tenant ({@link LocalKey}). Everything stays in the workspace, so a
 * restart continues where the last run stopped: committed offsets, stored artifacts, registered schemas, the
 * orchestrator's job store and training checkpoints.
 */
public final class AllInOne implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AllInOne.class);
    public static final String DEFAULT_TENANT = "local";

    /**
     * @param baseModel diffusers folder of the base model, or null for the demo model made in the workspace
     * @param settings  service settings (ServiceConfig names) laid over the embedded stack's
     * @param services  which services to start
     */
    public record Options(Path workspace, Path baseModel, Map<String, String> settings, int kafkaPort, int s3Port,
                          int registryPort, int gatewayPort, int orchestratorPort, String tenant,
                          Set<PipelineService> services) {

        public Options {
            settings = Map.copyOf(settings);
            services = services.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(services));
        }

        /** Ephemeral ports, the demo profile, every service. */
        public static Options defaults(Path workspace) {
            return new Options(workspace, null, StackProfile.demo(DemoBaseModel.imageSize()), 0, 0, 0, 0, 0,
                    DEFAULT_TENANT, EnumSet.allOf(PipelineService.class));
        }

        public Options withSettings(Map<String, String> overrides) {
            Map<String, String> merged = new LinkedHashMap<>(settings);
            merged.putAll(overrides);
            return new Options(workspace, baseModel, merged, kafkaPort, s3Port, registryPort, gatewayPort,
                    orchestratorPort, tenant, services);
        }

        public Options withBaseModel(Path dir) {
            return new Options(workspace, dir, settings, kafkaPort, s3Port, registryPort, gatewayPort,
                    orchestratorPort, tenant, services);
        }

        public Options withPorts(int kafka, int s3, int registry, int gateway, int orchestrator) {
            return new Options(workspace, baseModel, settings, kafka, s3, registry, gateway, orchestrator, tenant,
                    services);
        }

        /** The tenant the local CLI's own key belongs to. */
        public Options withTenant(String tenantId) {
            return new Options(workspace, baseModel, settings, kafkaPort, s3Port, registryPort, gatewayPort,
                    orchestratorPort, tenantId, services);
        }

        public Options withServices(Set<PipelineService> only) {
            return new Options(workspace, baseModel, settings, kafkaPort, s3Port, registryPort, gatewayPort,
                    orchestratorPort, tenant, only);
        }
    }

    private final Options options;
    private final WorkspaceLock lock;
    private final EmbeddedStack stack;
    private final List<PipelineService.Running> running;
    private final Endpoints endpoints;
    private final Path baseModel;

    private AllInOne(Options options, WorkspaceLock lock, EmbeddedStack stack, List<PipelineService.Running> running,
                     Endpoints endpoints, Path baseModel) {
        this.options = options;
        this.lock = lock;
        this.stack = stack;
        this.running = running;
        this.endpoints = endpoints;
        this.baseModel = baseModel;
    }

    public static AllInOne start(Options options) {
        return start(options, step -> { });
    }

    /** @param progress told the name of each step as it begins (for a progress display) */
    public static AllInOne start(Options options, Consumer<String> progress) {
        Path ws = options.workspace().toAbsolutePath();
        try {
            Files.createDirectories(ws);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create workspace " + ws, e);
        }
        WorkspaceLock lock = WorkspaceLock.acquire(ws);
        EmbeddedStack stack;
        Path model;
        try {
            progress.accept("base model");
            model = options.baseModel() != null ? options.baseModel() : DemoBaseModel.ensure(ws);
            progress.accept("kafka, s3, schema registry");
            stack = EmbeddedStack.start(EmbeddedStack.Options.defaults(ws)
                    .withPorts(options.kafkaPort(), options.s3Port(), options.registryPort()));
        } catch (RuntimeException | Error e) {
            lock.close();
            throw e;
        }
        List<PipelineService.Running> running = new ArrayList<>();
        try {
            Map<String, String> endpointValues = new LinkedHashMap<>(stack.environment());
            // the orchestrator's job endpoint is internal: only the gateway gets this run's token
            Map<String, String> internal = new LinkedHashMap<>();
            internal.put("ORCHESTRATOR_HTTP_TOKEN", randomToken());
            if (options.baseModel() == null && options.services().contains(PipelineService.RETRIEVAL)) {
                // the demo model's own world as the regularization corpus: class sets are retrieved, not generated
                progress.accept("toy corpus");
                ToyCorpusSeed.ensure(ws, serviceConfig(options, stack, PipelineService.RETRIEVAL, model),
                        toyCorpusImages(options));
            }
            // the gateway last: a request is accepted only once every service downstream of it is in its group
            for (PipelineService service : startOrder()) {
                if (!options.services().contains(service)) {
                    continue;
                }
                progress.accept(service.serviceName());
                PipelineService.Running r = service.start(serviceConfig(options, stack, service, model, internal));
                running.add(r);
                if (service == PipelineService.ORCHESTRATOR) {
                    internal.put(GatewaySettings.ORCHESTRATOR_URL, r.httpUrl());
                }
                if (service == PipelineService.GATEWAY) {
                    endpointValues.put(Endpoints.GATEWAY_URL, r.httpUrl());
                    endpointValues.put(Endpoints.API_KEY, LocalKey.ensure(ws, options.tenant()));
                }
            }
            endpointValues.put(Endpoints.PID, Long.toString(ProcessHandle.current().pid()));
            Endpoints endpoints = new Endpoints(endpointValues);
            endpoints.save(Workspace.endpointsFile(ws));
            return new AllInOne(options, lock, stack, running, endpoints, model);
        } catch (RuntimeException | Error e) {
            // an Error too (e.g. a class missing from a half-rebuilt classpath): never leave the broker running
            closeAll(running);
            stack.close();
            lock.close();
            throw e;
        }
    }

    private static int toyCorpusImages(Options options) {
        String value = options.settings().get(ToyCorpusSeed.IMAGES_SETTING);
        try {
            return value == null ? ToyCorpusSeed.DEFAULT_IMAGES : Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ToyCorpusSeed.IMAGES_SETTING + " must be a whole number, got '"
                    + value + "'", e);
        }
    }

    private static List<PipelineService> startOrder() {
        return List.of(PipelineService.ARCHIVER, PipelineService.ORCHESTRATOR, PipelineService.RETRIEVAL,
                PipelineService.TRAINING, PipelineService.MERGING, PipelineService.SAMPLING, PipelineService.INGESTION,
                PipelineService.GATEWAY);
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    static ServiceConfig serviceConfig(Options options, EmbeddedStack stack, PipelineService service, Path model) {
        return serviceConfig(options, stack, service, model, Map.of());
    }

    /**
     * A service's configuration as {@link #start} gives it, over the endpoints of a stack already running, for work
     * that never touches Kafka (the audit reads S3 only): no Kafka principal.
     */
    public static ServiceConfig serviceConfig(Options options, Map<String, String> endpoints, PipelineService service,
                                              Path model) {
        return serviceConfig(options, endpoints, null, service, model, Map.of());
    }

    /** @param internal settings only the orchestrator and the gateway read (the service token, the status URL) */
    static ServiceConfig serviceConfig(Options options, EmbeddedStack stack, PipelineService service, Path model,
                                       Map<String, String> internal) {
        return serviceConfig(options, stack.environment(), stack.credentials(), service, model, internal);
    }

    /** @param credentials the stack's Kafka passwords, or null for a configuration that never touches Kafka */
    private static ServiceConfig serviceConfig(Options options, Map<String, String> endpoints,
                                               StackCredentials credentials, PipelineService service, Path model,
                                               Map<String, String> internal) {
        return ServiceConfig.of(serviceSettings(options, endpoints, credentials, service, model, internal));
    }

    /**
     * The settings {@link #start} gives a service, as environment variables: what a service started as a process
     * of its own ({@code cdiff service NAME}) needs to behave as it does in this JVM.
     *
     * @param credentials the stack's Kafka passwords, or null for a configuration that never touches Kafka
     * @param internal    settings only the orchestrator and the gateway read (the service token, the status URL)
     */
    public static Map<String, String> serviceSettings(Options options, Map<String, String> endpoints,
                                                      StackCredentials credentials, PipelineService service,
                                                      Path model, Map<String, String> internal) {
        Map<String, String> env = new LinkedHashMap<>(endpoints);
        env.put(ServiceConfig.SERVICE_NAME, service.serviceName());
        // each service on the bus as its own principal, allowed only its own topics and group
        if (credentials != null) {
            env.put(ServiceConfig.KAFKA_USERNAME, service.serviceName());
            env.put(ServiceConfig.KAFKA_PASSWORD, credentials.kafkaPassword(service.serviceName()));
        }
        env.put(ServiceConfig.WORK_DIR, options.workspace().toAbsolutePath().resolve("services")
                .resolve(service.serviceName()).toString());
        env.put("BASE_MODEL_DIR", model.toAbsolutePath().toString());
        env.put("ORCHESTRATOR_HTTP_PORT", Integer.toString(options.orchestratorPort()));
        if (service == PipelineService.ORCHESTRATOR || service == PipelineService.GATEWAY) {
            env.putAll(internal);
        }
        if (service == PipelineService.GATEWAY) {
            env.put(GatewaySettings.HTTP_PORT, Integer.toString(options.gatewayPort()));
            env.put(GatewaySettings.KEYS_FILE, LocalKey.keysFile(options.workspace().toAbsolutePath()).toString());
        }
        if (service == PipelineService.ORCHESTRATOR) {
            // after a crash (no leave-group on close) the group waits for the old member's session to expire
            // before it rebalances: keep that wait to seconds, not the default 45 s
            env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "10000");
            env.put("KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "2000");
            // every TrainingRequested names the weights its delta will only be valid on; workers check it
            env.put("ORCHESTRATOR_TRAINING_BASE_MODEL", model.toAbsolutePath().normalize().getFileName().toString());
            env.put("ORCHESTRATOR_TRAINING_BASE_MODEL_DIGEST", BaseModelDigest.of(model));
        }
        env.putAll(options.settings());
        return env;
    }

    public Endpoints endpoints() {
        return endpoints;
    }

    public EmbeddedStack stack() {
        return stack;
    }

    public Path baseModel() {
        return baseModel;
    }

    /** The tenant of the CLI's own key. */
    public String tenant() {
        return options.tenant();
    }

    public Path workspace() {
        return options.workspace().toAbsolutePath();
    }

    public List<PipelineService> runningServices() {
        return running.stream().map(PipelineService.Running::service).toList();
    }

    /** Stops services (newest first), then the stack; the workspace keeps everything for the next start. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(Workspace.endpointsFile(workspace()));
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", Workspace.endpointsFile(workspace()), e.toString());
        }
        closeAll(running);
        try {
            stack.close();
        } finally {
            lock.close();
        }
    }

    private static void closeAll(List<PipelineService.Running> running) {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (RuntimeException e) {
                LOG.warn("stopping {} failed: {}", running.get(i).service().serviceName(), e.toString());
            }
        }
    }
}

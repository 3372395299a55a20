package dev.cdiff.cli.chaos;

import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.stack.AllInOne;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.LocalKey;
import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.embedded.EmbeddedS3;
import dev.cdiff.embedded.EmbeddedStackMain;
import dev.cdiff.embedded.StackComponent;
import dev.cdiff.embedded.StackCredentials;
import dev.cdiff.gateway.GatewaySettings;
import dev.cdiff.gateway.keys.ApiKeyStore;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaAccess;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The pipeline as a deployment runs it: the broker, S3 and the schema registry each an OS process of its own
 * ({@link EmbeddedStackMain} {@code --only}), every service a {@code cdiff service NAME} process, each under a
 * {@link SupervisedProcess} that restarts it when it dies. Ports and data folders are fixed for the whole run, so a
 * restarted part is found where it was and keeps its data.
 */
final class ChaosStack implements AutoCloseable {
    /** Started in this order; the gateway last, once everything downstream of it consumes. */
    static final List<PipelineService> SERVICE_ORDER = List.of(PipelineService.ARCHIVER, PipelineService.ORCHESTRATOR,
            PipelineService.RETRIEVAL, PipelineService.TRAINING, PipelineService.MERGING, PipelineService.SAMPLING,
            PipelineService.INGESTION, PipelineService.GATEWAY);
    static final String SERVICE_READY = "; stop with SIGTERM";
    static final String INFRA_READY = "Started in ";

    /**
     * Fixed for the whole run, and taken below the kernel's ephemeral range: a port picked by binding port 0 is
     * free only for now, and a restarted process would find it taken by another process's ephemeral bind.
     */
    record Ports(int kafka, int s3, int registry, int gateway, int orchestrator) {
        static Ports free() {
            Random random = new SecureRandom();
            Set<Integer> taken = new HashSet<>();
            int[] p = new int[5];
            for (int i = 0; i < p.length; i++) {
                p[i] = freePort(random, taken);
            }
            return new Ports(p[0], p[1], p[2], p[3], p[4]);
        }

        private static int freePort(Random random, Set<Integer> taken) {
            int low = 10_000;
            int high = ephemeralLow() - 1;
            for (int attempt = 0; attempt < 200; attempt++) {
                int port = low + random.nextInt(high - low);
                if (taken.contains(port)) {
                    continue;
                }
                try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    taken.add(port);
                    return port;
                } catch (IOException inUse) {
                    // try another
                }
            }
            throw new IllegalStateException("no free loopback port between " + low + " and " + high);
        }

        private static int ephemeralLow() {
            try {
                String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip();
                return Math.max(20_000, Integer.parseInt(range.split("\\s+")[0]));
            } catch (IOException | RuntimeException e) {
                return 32_768;
            }
        }
    }

    private final Path workspace;
    private final Ports ports;
    private final StackCredentials credentials;
    private final Map<StackComponent, SupervisedProcess> infra = new EnumMap<>(StackComponent.class);
    private final Map<PipelineService, SupervisedProcess> services = new EnumMap<>(PipelineService.class);
    private final Map<String, String> tenantKeys = new LinkedHashMap<>();

    private ChaosStack(Path workspace, Ports ports) {
        this.workspace = workspace;
        this.ports = ports;
        this.credentials = StackCredentials.loadOrCreate(workspace);
    }

    /**
     * Starts infrastructure, tenants and services, each waited for until ready.
     *
     * @param settings service settings over the stack's endpoints (a {@link dev.cdiff.cli.stack.StackProfile})
     */
    static ChaosStack start(Path workspace, Path model, Map<String, String> settings, List<String> tenants,
                            Duration readyTimeout, PrintStream out) throws InterruptedException {
        ChaosStack stack = new ChaosStack(workspace.toAbsolutePath(), Ports.free());
        try {
            stack.startInfrastructure(readyTimeout, out);
            for (String tenant : tenants) {
                stack.addTenant(tenant);
            }
            stack.startServices(model, settings, readyTimeout, out);
            return stack;
        } catch (RuntimeException | InterruptedException | Error e) {
            stack.close();
            throw e;
        }
    }

    /** The broker first (the registry keeps its schemas there), then S3 and the registry side by side. */
    private void startInfrastructure(Duration readyTimeout, PrintStream out) throws InterruptedException {
        for (StackComponent c : StackComponent.values()) {
            List<String> args = List.of(workspace.toString(), "--kafka-port", Integer.toString(ports.kafka()),
                    "--s3-port", Integer.toString(ports.s3()), "--registry-port", Integer.toString(ports.registry()),
                    "--only", c.optionName());
            SupervisedProcess p = new SupervisedProcess(c.optionName(), javaCommand("512m",
                    EmbeddedStackMain.class.getName(), args), Map.of(), logFile(c.optionName()), INFRA_READY);
            infra.put(c, p.start());
            if (c == StackComponent.KAFKA) {
                awaitReady(p, readyTimeout);
            }
        }
        for (SupervisedProcess p : infra.values()) {
            awaitReady(p, readyTimeout);
        }
        out.println("  kafka, s3, registry up (logs in " + logFile("x").getParent() + ")");
    }

    private void addTenant(String tenant) {
        ApiKeyStore store = new ApiKeyStore(LocalKey.keysFile(workspace));
        if (!store.tenants().contains(tenant)) {
            store.addTenant(tenant);
        }
        tenantKeys.put(tenant, store.createKey(tenant).secretText());
    }

    private void startServices(Path model, Map<String, String> settings, Duration readyTimeout, PrintStream out)
            throws InterruptedException {
        AllInOne.Options options = AllInOne.Options.defaults(workspace).withBaseModel(model).withSettings(settings)
                .withPorts(ports.kafka(), ports.s3(), ports.registry(), ports.gateway(), ports.orchestrator());
        Map<String, String> internal = new LinkedHashMap<>();
        byte[] token = new byte[32];
        new SecureRandom().nextBytes(token);
        internal.put("ORCHESTRATOR_HTTP_TOKEN", HexFormat.of().formatHex(token));
        internal.put(GatewaySettings.ORCHESTRATOR_URL, "http://127.0.0.1:" + ports.orchestrator());
        for (PipelineService service : SERVICE_ORDER) {
            Map<String, String> env = new LinkedHashMap<>(AllInOne.serviceSettings(options, sharedEndpoints(),
                    credentials, service, model, internal));
            env.put("DJL_OFFLINE", "true");
            env.put("OPT_OUT_TRACKING", "true");
            env.put(ServiceConfig.CONFIG_FILE, "");
            String heap = service == PipelineService.TRAINING || service == PipelineService.SAMPLING
                    || service == PipelineService.RETRIEVAL ? "1536m" : "768m";
            SupervisedProcess p = new SupervisedProcess(service.serviceName(), javaCommand(heap,
                    "dev.cdiff.cli.Cdiff", List.of("service", service.serviceName())), env,
                    logFile(service.serviceName()), SERVICE_READY);
            if (service == PipelineService.GATEWAY) {
                // the gateway last: a request is taken only once everything downstream of it consumes
                for (SupervisedProcess other : services.values()) {
                    awaitReady(other, readyTimeout);
                }
            }
            services.put(service, p.start());
        }
        awaitReady(services.get(PipelineService.GATEWAY), readyTimeout);
        out.println("  " + services.size() + " services up");
    }

    private static void awaitReady(SupervisedProcess p, Duration timeout) throws InterruptedException {
        if (!p.awaitReady(timeout)) {
            throw new IllegalStateException(p.name() + " was not ready within " + timeout + "; see " + p.log());
        }
    }

    /** Where everything is, and no Kafka password (each service gets its own principal's). */
    Map<String, String> sharedEndpoints() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:" + ports.kafka());
        env.put(ServiceConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + ports.registry());
        env.put(ServiceConfig.S3_ENDPOINT, "http://127.0.0.1:" + ports.s3());
        env.put(ServiceConfig.S3_ACCESS_KEY, EmbeddedS3.DEFAULT_ACCESS_KEY);
        env.put(ServiceConfig.S3_SECRET_KEY, credentials.s3SecretKey());
        env.put(ServiceConfig.S3_BUCKET, "cdiff");
        env.put(ServiceConfig.TOPIC_PREFIX, "");
        env.put(ServiceConfig.SCHEMA_REGISTRY_USERNAME, StackCredentials.REGISTRY_WRITER);
        env.put(ServiceConfig.SCHEMA_REGISTRY_PASSWORD, credentials.registryPassword());
        return env;
    }

    /** The operator's view (the CLI principal): reading every topic, as {@code ./cdiff events} does. */
    Endpoints operatorEndpoints() {
        Map<String, String> env = sharedEndpoints();
        env.put(ServiceConfig.KAFKA_USERNAME, KafkaAccess.CLI);
        env.put(ServiceConfig.KAFKA_PASSWORD, credentials.kafkaPassword(KafkaAccess.CLI));
        env.put(Endpoints.GATEWAY_URL, gatewayUrl());
        return new Endpoints(env);
    }

    String gatewayUrl() {
        return "http://127.0.0.1:" + ports.gateway();
    }

    GatewayClient client(String tenant) {
        return new GatewayClient(gatewayUrl(), tenantKeys.get(tenant));
    }

    SupervisedProcess infra(StackComponent c) {
        return infra.get(c);
    }

    SupervisedProcess service(PipelineService s) {
        return services.get(s);
    }

    List<SupervisedProcess> all() {
        List<SupervisedProcess> out = new ArrayList<>(infra.values());
        out.addAll(services.values());
        return out;
    }

    /** Stops the services, keeping the infrastructure (the audit still reads S3). */
    void stopServices() {
        List<PipelineService> order = new ArrayList<>(SERVICE_ORDER);
        java.util.Collections.reverse(order);
        for (PipelineService s : order) {
            SupervisedProcess p = services.remove(s);
            if (p != null) {
                p.close();
            }
        }
    }

    @Override
    public void close() {
        stopServices();
        for (StackComponent c : new StackComponent[] {StackComponent.REGISTRY, StackComponent.S3,
                StackComponent.KAFKA}) {
            SupervisedProcess p = infra.remove(c);
            if (p != null) {
                p.close();
            }
        }
    }

    private Path logFile(String name) {
        return workspace.resolve("chaos-logs").resolve(name + ".log");
    }

    /** The same JVM, classpath and engine settings as this one: the same backend fingerprint in every process. */
    static List<String> javaCommand(String heap, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("ai.djl.") || key.startsWith("org.apache.avro.") || key.equals("cdiff.home")
                    || key.equals("logback.configurationFile")) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }
}

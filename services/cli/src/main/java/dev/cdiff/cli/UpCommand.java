package dev.cdiff.cli;

import dev.cdiff.cli.model.DemoBaseModel;
import dev.cdiff.cli.stack.AllInOne;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.cli.stack.StackProfile;
import dev.cdiff.cli.stack.Workspace;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code cdiff up}: the whole pipeline in this process until Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Starts everything embedded in one process (Kafka in KRaft mode, S3, the schema registry, the six services and the public API gateway) with its data in the workspace, so a restart continues where it stopped; prints the URLs and runs until Ctrl-C.")
final class UpCommand implements Callable<Integer> {

    /** Options shared with {@code demo}. */
    static final class StackOptions {
        @Option(names = "--workspace", paramLabel = "DIR",
                description = "Where data lives (default: $CDIFF_WORKSPACE or .workspace in the repository).")
        Path workspace;

        @Option(names = "--base-model", paramLabel = "DIR",
                description = "Diffusers folder of the base model (default: a small random demo model made once in"
                        + " the workspace).")
        Path baseModel;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "Service setting over the local profile, e.g. --set ORCHESTRATOR_TRAINING_STEPS=50"
                        + " (ServiceConfig names or property keys).")
        Map<String, String> settings = new LinkedHashMap<>();

        @Option(names = "--kafka-port", defaultValue = "0", description = "Kafka port (0 = any free port).")
        int kafkaPort;

        @Option(names = "--s3-port", defaultValue = "0", description = "S3 port (0 = any free port).")
        int s3Port;

        @Option(names = "--registry-port", defaultValue = "0", description = "Schema registry port (0 = any free).")
        int registryPort;

        @Option(names = "--gateway-port", defaultValue = "0", description = "Public API port (0 = any free).")
        int gatewayPort;

        @Option(names = "--orchestrator-port", defaultValue = "0",
                description = "Orchestrator HTTP port (0 = any free).")
        int orchestratorPort;

        @Option(names = "--tenant", defaultValue = AllInOne.DEFAULT_TENANT,
                description = "Tenant of the CLI's own API key, made on first start (default: ${DEFAULT-VALUE}).")
        String tenant;

        AllInOne.Options toOptions(Map<String, String> profile) {
            Map<String, String> merged = new LinkedHashMap<>(profile);
            merged.putAll(settings);
            return AllInOne.Options.defaults(Workspace.resolve(workspace)).withBaseModel(baseModel)
                    .withSettings(merged)
                    .withPorts(kafkaPort, s3Port, registryPort, gatewayPort, orchestratorPort)
                    .withTenant(tenant);
        }

        /** Starts the stack, with a progress bar over its start-up steps unless {@code bar} is false. */
        AllInOne start(Map<String, String> profile, boolean bar) {
            AllInOne.Options options = toOptions(profile);
            Path endpointsFile = Workspace.endpointsFile(options.workspace());
            Endpoints existing = Endpoints.load(endpointsFile);
            if (java.nio.file.Files.exists(endpointsFile) && ClientOptions.brokerReachable(existing)) {
                throw new IllegalStateException("a stack is already running on the workspace " + options.workspace()
                        + " (process " + existing.optional(Endpoints.PID).orElse("?") + ", Kafka "
                        + existing.kafkaBootstrapServers() + "); stop it first or use another --workspace");
            }
            if (!bar) {
                return AllInOne.start(options);
            }
            int steps = 2 + PipelineService.values().length;
            int[] done = {0};
            try (ProgressBar progress = new ProgressBarBuilder().setTaskName("starting").setInitialMax(steps)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build()) {
                AllInOne stack = AllInOne.start(options, step -> {
                    progress.stepTo(done[0]++);
                    progress.setExtraMessage(step);
                });
                progress.stepTo(steps);
                progress.setExtraMessage("ready");
                return stack;
            }
        }
    }

    @picocli.CommandLine.Mixin
    StackOptions stack = new StackOptions();

    @Override
    public Integer call() throws Exception {
        AllInOne running = stack.start(StackProfile.demo(DemoBaseModel.imageSize()), true);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "cdiff-up-shutdown"));
        printUrls(running, System.out);
        System.out.println("Running. Ctrl-C stops (data stays in the workspace). In another shell, e.g.:");
        System.out.println("  ./cdiff submit --example checker-circle --wait   ./cdiff status   ./cdiff events JOB_ID");
        stopped.await();
        return 0;
    }

    static void printUrls(AllInOne running, PrintStream out) {
        var e = running.endpoints();
        out.println("Workspace        " + running.workspace());
        out.println("Base model       " + running.baseModel());
        out.println("Kafka            " + e.kafkaBootstrapServers());
        out.println("Schema registry  " + e.schemaRegistryUrl());
        out.println("S3               " + e.required("S3_ENDPOINT") + "  (bucket " + e.bucket() + ", access key "
                + e.required("S3_ACCESS_KEY") + ")");
        e.optional(Endpoints.GATEWAY_URL).ifPresent(u -> out.println("Public API       " + u + "/v1/...  (the CLI's"
                + " key of tenant " + running.tenant() + " is in " + running.workspace().resolve("gateway")
                .resolve("cli-key") + "; more tenants and keys: ./cdiff tenant add, ./cdiff key create)"));
        e.optional(Endpoints.GATEWAY_URL).ifPresent(u -> out.println("Console          " + u
                + "/console  (sign in with an API key; API description at " + u + "/openapi.yaml)"));
        out.println("Services         " + running.runningServices().stream().map(PipelineService::serviceName).toList());
        out.println("Endpoints file   " + Workspace.endpointsFile(running.workspace()));
        out.println("Logs             " + Workspace.logFile(running.workspace()));
    }
}

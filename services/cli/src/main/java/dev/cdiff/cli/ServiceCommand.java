package dev.cdiff.cli;

import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.platform.config.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code cdiff service NAME}: one service alone against an external Kafka, registry and S3 (containers). */
@Command(name = "service", mixinStandardHelpOptions = true,
        description = "Runs one service alone (ingestion, retrieval, training, merging, sampling or orchestrator) against external Kafka, schema registry and S3, configured by environment variables (KAFKA_BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL, S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET, BASE_MODEL_DIR, WORK_DIR and the service's own keys) over a properties file (--config or CDIFF_CONFIG); CDIFF_BASE_MODEL and CDIFF_WORKSPACE stand in for BASE_MODEL_DIR and WORK_DIR.")
final class ServiceCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "ingestion, retrieval, training, merging, sampling or orchestrator")
    String name;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file; environment variables win.")
    Path config;

    @Override
    public Integer call() throws Exception {
        PipelineService service = PipelineService.named(name);
        ServiceConfig settings = withAliases(config != null ? ServiceConfig.fromFile(config)
                : ServiceConfig.fromEnvironment(), service);
        PipelineService.Running running = service.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "cdiff-service-shutdown"));
        System.out.println(service.serviceName() + " running" + (running.httpUrl() != null ? " at "
                + running.httpUrl() : "") + "; stop with SIGTERM/Ctrl-C");
        stopped.await();
        return 0;
    }

    /** The deployment's names for the model and data folders, mapped onto the services' own settings. */
    static ServiceConfig withAliases(ServiceConfig config, PipelineService service) {
        ServiceConfig out = config;
        if (out.optional(ServiceConfig.SERVICE_NAME).isEmpty()) {
            out = out.with(ServiceConfig.SERVICE_NAME, service.serviceName());
        }
        if (out.optional("BASE_MODEL_DIR").isEmpty() && out.optional("CDIFF_BASE_MODEL").isPresent()) {
            out = out.with("BASE_MODEL_DIR", out.optional("CDIFF_BASE_MODEL").get());
        }
        if (out.optional(ServiceConfig.WORK_DIR).isEmpty() && out.optional("CDIFF_WORKSPACE").isPresent()) {
            out = out.with(ServiceConfig.WORK_DIR, Path.of(out.optional("CDIFF_WORKSPACE").get())
                    .resolve(service.serviceName()).toString());
        }
        return out;
    }
}

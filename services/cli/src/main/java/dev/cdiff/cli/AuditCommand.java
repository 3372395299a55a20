package dev.cdiff.cli;

import dev.cdiff.cli.audit.AuditReport;
import dev.cdiff.cli.audit.JobAuditor;
import dev.cdiff.cli.model.DemoBaseModel;
import dev.cdiff.cli.stack.AllInOne;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.cli.stack.StackProfile;
import dev.cdiff.cli.stack.WorkspaceLock;
import dev.cdiff.embedded.EmbeddedStack;
import dev.cdiff.platform.store.ArtifactStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cdiff audit}: re-derives a finished job's artifacts from its archived events and compares the digests. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Re-derives a finished job's artifacts (regularization set, delta, samples) from its hash-chained event log in S3 and the stored inputs, and reports for each the recorded and re-derived digest: bit-identical where the backend fingerprint matches. Checks the chain and names any changed or missing event. Works on a workspace whose stack is not running (starts the embedded stack briefly). Exit code 0 when everything matches.")
final class AuditCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client = new ClientOptions();

    @Parameters(paramLabel = "JOB_ID", description = "The job to audit.")
    String jobId;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the report as markdown.")
    Path markdown;

    @Option(names = "--base-model", paramLabel = "DIR",
            description = "Base model the job ran on (default: the workspace's demo model).")
    Path baseModel;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Service setting the job ran with, over the local profile (as given to up/demo).")
    List<String> settings = List.of();

    @Override
    public Integer call() throws Exception {
        Endpoints endpoints = client.endpoints();
        Path workspace = client.workspace();
        if (ClientOptions.brokerReachable(endpoints)) {
            return audit(endpoints.asMap(), workspace);
        }
        if (client.endpointsFile != null || !Files.isDirectory(workspace.resolve("s3"))) {
            throw new IllegalStateException("no stack is reachable and the workspace " + workspace
                    + " holds no artifacts; run './cdiff demo' first");
        }
        System.err.println("(no stack running: starting the embedded stack of " + workspace + ")");
        try (WorkspaceLock lock = WorkspaceLock.acquire(workspace);
             EmbeddedStack stack = EmbeddedStack.start(workspace)) {
            return audit(stack.environment(), workspace);
        }
    }

    private int audit(Map<String, String> endpoints, Path workspace) throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String kv : settings) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set wants KEY=VALUE, got '" + kv + "'");
            }
            overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        AllInOne.Options options = AllInOne.Options.defaults(workspace)
                .withSettings(StackProfile.demo(DemoBaseModel.imageSize())).withSettings(overrides);
        Path model = baseModel != null ? baseModel : DemoBaseModel.ensure(workspace);
        AuditReport report = audit(options, endpoints, model, jobId);
        System.out.print(report.text());
        if (markdown != null) {
            Files.writeString(markdown, report.markdown(), StandardCharsets.UTF_8);
            System.err.println("markdown report written to " + markdown);
        }
        return report.passed() ? 0 : 1;
    }

    /** The audit as the command runs it, on a stack's endpoints with the services' configuration. */
    static AuditReport audit(AllInOne.Options options, Map<String, String> endpoints, Path model, String jobId)
            throws Exception {
        var retrieval = AllInOne.serviceConfig(options, endpoints, PipelineService.RETRIEVAL, model);
        ArtifactStore store = ArtifactStore.fromConfig(retrieval);
        Path scratch = Files.createDirectories(options.workspace().toAbsolutePath().resolve("audit"));
        Path work = Files.createTempDirectory(scratch, "run-");
        try {
            return new JobAuditor(store, model, retrieval, work).audit(jobId);
        } finally {
            dev.cdiff.platform.scratch.ScratchFolders.delete(work);
        }
    }
}

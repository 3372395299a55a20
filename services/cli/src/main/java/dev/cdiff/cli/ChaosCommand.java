package dev.cdiff.cli;

import dev.cdiff.cli.chaos.ChaosFigures;
import dev.cdiff.cli.chaos.ChaosRun;
import dev.cdiff.cli.stack.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cdiff chaos}: the fault-injection run; its figures table is the last lines of its output. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Fault-injection run on the embedded stack: broker, S3, schema registry and every service as separate OS processes under a supervisor; submits jobs of several tenants through the public API while each service is killed with SIGKILL once at a seeded random point, the registry and S3 are each down for a while and the broker restarts. Checks that every job completed exactly once (none lost, none duplicated) and that each job's class set, delta and samples are bit-identical to the same job re-derived without faults. Prints a figures table last; exit code 0 only when every check passed.")
final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--workspace", paramLabel = "DIR",
            description = "Fresh folder for the run (default: <repository>/.workspace-chaos/<time>).")
    Path workspace;

    @Option(names = "--seed", description = "Seed of the fault order, the kill points and the pacing (default ${DEFAULT-VALUE}).")
    long seed = 8;

    @Option(names = "--jobs", description = "Jobs to submit (default ${DEFAULT-VALUE}).")
    int jobs = 20;

    @Option(names = "--tenants", description = "Tenants the jobs are spread over (default ${DEFAULT-VALUE}).")
    int tenants = 3;

    @Option(names = "--timeout-minutes", description = "Bound of the whole run (default ${DEFAULT-VALUE}).")
    int timeoutMinutes = 40;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the figures as a markdown table.")
    Path markdown;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Service setting over the chaos profile.")
    List<String> settings = List.of();

    @Override
    public Integer call() throws Exception {
        Path ws = workspace != null ? workspace : Workspace.resolve(null).resolveSibling(".workspace-chaos")
                .resolve(Long.toString(System.currentTimeMillis()));
        if (Files.isDirectory(ws) && Files.list(ws).findAny().isPresent()) {
            throw new IllegalArgumentException("the workspace " + ws + " is not empty: a chaos run starts fresh");
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String kv : settings) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set wants KEY=VALUE, got '" + kv + "'");
            }
            overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        ChaosRun.Options options = ChaosRun.Options.full(ws, seed).withJobs(jobs, tenants)
                .withTimeout(Duration.ofMinutes(timeoutMinutes)).withSettings(overrides);
        ChaosFigures result = ChaosRun.run(options, System.out);
        result.problems().forEach(p -> System.out.println("PROBLEM " + p));
        System.out.println();
        System.out.print(result.table());
        if (markdown != null) {
            Files.writeString(markdown, result.markdown());
            System.err.println("figures written to " + markdown);
        }
        return result.passed() ? 0 : 1;
    }
}

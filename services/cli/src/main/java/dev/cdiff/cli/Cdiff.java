package dev.cdiff.cli;

import dev.cdiff.cli.stack.Workspace;
import dev.cdiff.diffusion.tools.DjlSetup;
import dev.cdiff.diffusion.tools.BenchCommand;
import dev.cdiff.diffusion.tools.DeltaCommand;
import dev.cdiff.diffusion.tools.GoldenCheckCommand;
import dev.cdiff.diffusion.tools.MergeCommand;
import dev.cdiff.diffusion.tools.TrainCommand;
import dev.cdiff.toyworld.ToyWorldCommand;
import dev.cdiff.toyworld.eval.EvalCommand;
import dev.cdiff.diffusion.tools.SampleCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.Set;

/** {@code ./cdiff}: one entry point for the ML core's tools and the event pipeline's commands. */
@Command(name = "cdiff", mixinStandardHelpOptions = true, version = "cdiff 0.1.0",
        description = "Custom Diffusion: personalise a text-to-image diffusion model, as a library and as an event pipeline.")
public final class Cdiff implements Runnable {
    /**
     * Commands whose console is for their own output (progress, results): logs go to the workspace's log file and
     * only errors reach the console. {@code service} keeps logging to the console, as containers expect.
     */
    private static final Set<String> QUIET_COMMANDS = Set.of("up", "demo", "submit", "status", "sample", "merge",
            "events", "dlq", "audit");

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Cdiff());
        cl.addSubcommand("golden-check", new GoldenCheckCommand());
        cl.addSubcommand("generate", new SampleCommand());
        cl.addSubcommand("up", new UpCommand());
        cl.addSubcommand("demo", new DemoCommand());
        cl.addSubcommand("submit", new SubmitCommand());
        cl.addSubcommand("status", new StatusCommand());
        cl.addSubcommand("sample", new SampleJobCommand());
        cl.addSubcommand("merge", new MergeJobCommand());
        cl.addSubcommand("events", new EventsCommand());
        cl.addSubcommand("dlq", new DlqCommand());
        cl.addSubcommand("audit", new AuditCommand());
        cl.addSubcommand("service", new ServiceCommand());
        // the gateway's tenants and API keys
        cl.addSubcommand("tenant", new TenantCommands.Tenant());
        cl.addSubcommand("key", new TenantCommands.Key());
        // the ML core's own tools, usable without any of the pipeline
        cl.addSubcommand("train", new TrainCommand());
        cl.addSubcommand("merge-deltas", new MergeCommand());
        cl.addSubcommand("delta", new DeltaCommand());
        cl.addSubcommand("bench", new BenchCommand());
        cl.addSubcommand("make-model", new dev.cdiff.diffusion.tools.MakeModelCommand());
        // the toy world (issue 4): base-model pretraining, data and the evaluation report
        cl.addSubcommand("pretrain-toy", new ToyWorldCommand.Pretrain());
        cl.addSubcommand("eval", new EvalCommand());
        cl.addSubcommand("toyworld", new ToyWorldCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("cdiff " + commandLine.getCommandName() + ": " + e.getMessage());
            if (Boolean.getBoolean("cdiff.trace")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        routeLogs(args);
        DjlSetup.offline();
        int code;
        try {
            code = commandLine().execute(args);
        } catch (Throwable e) {
            // picocli hands Errors through; without an explicit exit, the broker's threads would keep the JVM alive
            System.err.println("cdiff: " + e);
            e.printStackTrace();
            code = 70;
        }
        System.exit(code);
    }

    /** Must run before the first logger is made: logback reads these properties when it configures itself. */
    static void routeLogs(String[] args) {
        if (args.length == 0 || !QUIET_COMMANDS.contains(args[0]) || System.getProperty("cdiff.log.file") != null) {
            return;
        }
        Path explicit = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--workspace") && i + 1 < args.length) {
                explicit = Path.of(args[i + 1]);
            } else if (args[i].startsWith("--workspace=")) {
                explicit = Path.of(args[i].substring("--workspace=".length()));
            }
        }
        System.setProperty("cdiff.log.file", Workspace.logFile(Workspace.resolve(explicit)).toString());
        if (System.getProperty("cdiff.console.level") == null) {
            System.setProperty("cdiff.console.level", "ERROR");
        }
    }
}

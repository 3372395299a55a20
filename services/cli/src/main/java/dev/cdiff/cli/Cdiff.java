package dev.cdiff.cli;

import dev.cdiff.diffusion.tools.DjlSetup;
import dev.cdiff.diffusion.tools.GoldenCheckCommand;
import dev.cdiff.diffusion.tools.SampleCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./cdiff}: one entry point for the ML core's tools and the event pipeline's commands. */
@Command(name = "cdiff", mixinStandardHelpOptions = true, version = "cdiff 0.1.0",
        description = "Custom Diffusion: personalise a text-to-image diffusion model, as a library and as an event pipeline.")
public final class Cdiff implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Cdiff());
        cl.addSubcommand("golden-check", new GoldenCheckCommand());
        cl.addSubcommand("generate", new SampleCommand());
        return cl;
    }

    public static void main(String[] args) {
        DjlSetup.offline();
        System.exit(commandLine().execute(args));
    }
}

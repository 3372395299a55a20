package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.golden.GoldenCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code golden-check DIR}: runs every case of DIR/manifest.json; non-zero exit if any fails or cannot run. */
@Command(name = "golden-check", mixinStandardHelpOptions = true,
        description = "Check the diffusion core against reference vectors (DIR/manifest.json).")
public final class GoldenCheckCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Folder with manifest.json, cases/ and models/.")
    Path dir;

    @Option(names = "--kind", description = "Only cases of these kinds (repeatable).")
    List<String> kinds;

    @Option(names = "--case", description = "Only cases with these names (repeatable).")
    List<String> names;

    private final PrintStream out;

    public GoldenCheckCommand() {
        this(System.out);
    }

    GoldenCheckCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
            out.println("no manifest.json in " + dir);
            return 2;
        }
        DjlSetup.offline();
        List<GoldenCheck.CaseOutcome> outcomes = GoldenCheck.withRegisteredRunners().run(dir, spec ->
                (kinds == null || kinds.contains(spec.path("kind").asText()))
                        && (names == null || names.contains(spec.path("name").asText())), out);
        long failed = outcomes.stream().filter(o -> !o.result().passed()).count();
        out.printf("%d cases, %d passed, %d failed%n", outcomes.size(), outcomes.size() - failed, failed);
        return GoldenCheck.allPassed(outcomes) ? 0 : 1;
    }

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new GoldenCheckCommand()).execute(args));
    }
}

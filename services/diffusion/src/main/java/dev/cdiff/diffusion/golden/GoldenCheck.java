package dev.cdiff.diffusion.golden;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Predicate;

/** Runs every case of a golden manifest with the runner registered for its kind. */
public final class GoldenCheck {

    /** One line of the report. */
    public record CaseOutcome(String name, String kind, CaseResult result) {
        public String line() {
            String err = Double.isNaN(result.maxAbsErr()) ? "-" : String.format("%.3e", result.maxAbsErr());
            String line = String.format("%-28s %-20s %10s  %s", name, kind, err, result.passed() ? "PASS" : "FAIL");
            return result.detail() == null || result.detail().isEmpty() ? line : line + "  " + result.detail();
        }
    }

    private final Map<String, GoldenCaseRunner> runners;

    public GoldenCheck(Map<String, GoldenCaseRunner> runners) {
        this.runners = runners;
    }

    public static GoldenCheck withRegisteredRunners() {
        Map<String, GoldenCaseRunner> map = new HashMap<>();
        for (GoldenCaseRunner r : ServiceLoader.load(GoldenCaseRunner.class)) {
            GoldenCaseRunner previous = map.putIfAbsent(r.kind(), r);
            if (previous != null) {
                throw new IllegalStateException("two golden runners for kind " + r.kind() + ": "
                        + previous.getClass().getName() + " and " + r.getClass().getName());
            }
        }
        return new GoldenCheck(map);
    }

    public Map<String, GoldenCaseRunner> runners() {
        return runners;
    }

    /** Runs the selected cases, printing one line per case to {@code out} as it finishes. */
    public List<CaseOutcome> run(Path goldenDir, Predicate<JsonNode> selected, PrintStream out) {
        JsonNode manifest = GoldenCases.manifest(goldenDir);
        List<CaseOutcome> outcomes = new ArrayList<>();
        for (JsonNode spec : manifest.path("cases")) {
            if (!selected.test(spec)) {
                continue;
            }
            String name = spec.path("name").asText("?");
            String kind = spec.path("kind").asText("?");
            CaseResult result;
            GoldenCaseRunner runner = runners.get(kind);
            if (runner == null) {
                result = CaseResult.cannotRun("no runner for kind " + kind);
            } else {
                try {
                    result = runner.run(spec, goldenDir);
                } catch (Exception | LinkageError e) {
                    result = CaseResult.cannotRun(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            CaseOutcome outcome = new CaseOutcome(name, kind, result);
            outcomes.add(outcome);
            if (out != null) {
                out.println(outcome.line());
                out.flush();
            }
        }
        return outcomes;
    }

    public List<CaseOutcome> runAll(Path goldenDir, PrintStream out) {
        return run(goldenDir, spec -> true, out);
    }

    public static boolean allPassed(List<CaseOutcome> outcomes) {
        return !outcomes.isEmpty() && outcomes.stream().allMatch(o -> o.result().passed());
    }
}

package dev.cdiff.cli.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What a fault-injection run found. It passes when every job completed exactly once, none was lost or duplicated,
 * and every final delta is bit-identical to the same job run without faults.
 *
 * @param kills            services killed with SIGKILL (and restarted)
 * @param outages          each outage window as text, e.g. {@code schema registry down 10.0 s}
 * @param unexpectedExits  process exits nobody asked for (a service that died by itself, e.g. on an Error)
 * @param digestsEqual     jobs whose delta (and class set and samples) re-derived without faults bit-identically
 * @param resumedTrainings jobs whose training reported a step twice: stopped mid-run and resumed by a worker
 * @param problems         each failed check, named
 */
public record ChaosFigures(int jobs, int tenants, int kills, List<String> outages, int unexpectedExits, Duration elapsed,
                    int completed, int failed, int lost, int duplicated, int digestsEqual, int redeliveredRecords,
                    int resumedTrainings, List<String> problems) {

    public boolean passed() {
        return problems.isEmpty() && completed == jobs && lost == 0 && duplicated == 0 && failed == 0
                && digestsEqual == jobs;
    }

    /** The figures table, one row per figure; the last lines of the command's output. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        row(sb, "jobs", jobs + " (" + tenants + " tenants)");
        row(sb, "kills (kill -9 + restart)", Integer.toString(kills));
        row(sb, "outage windows", outages.isEmpty() ? "none" : String.join("; ", outages));
        row(sb, "unexpected process exits", Integer.toString(unexpectedExits));
        row(sb, "time", String.format(Locale.ROOT, "%.1f s", elapsed.toMillis() / 1000.0));
        row(sb, "completed", completed + "/" + jobs);
        row(sb, "failed", Integer.toString(failed));
        row(sb, "lost", Integer.toString(lost));
        row(sb, "duplicated", Integer.toString(duplicated));
        row(sb, "redelivered records (same event id)", Integer.toString(redeliveredRecords));
        row(sb, "trainings resumed after a stop", Integer.toString(resumedTrainings));
        row(sb, "digests equal to fault-free run", digestsEqual + "/" + jobs);
        row(sb, "result", passed() ? "PASS" : "FAIL");
        return sb.toString();
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("| figure | value |\n| --- | --- |\n");
        for (String line : table().split("\n")) {
            int colon = line.indexOf(" : ");
            sb.append("| ").append(line.substring(0, colon).strip()).append(" | ")
                    .append(line.substring(colon + 3).strip()).append(" |\n");
        }
        if (!problems.isEmpty()) {
            sb.append("\nProblems:\n\n");
            problems.forEach(p -> sb.append("- ").append(p).append('\n'));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, String value) {
        sb.append(String.format(Locale.ROOT, "%-36s : %s%n", name, value));
    }
}

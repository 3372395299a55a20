package dev.cdiff.cli.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What an audit of one job found: the chain, the inputs, the settings, the backend and each artifact's check. */
public record AuditReport(String jobId, String tenantId, int archivedEvents, String chainHead, List<String> chainProblems,
                          Map<String, String> inputs, Map<String, String> settings, String recordedBackend,
                          String currentBackend, List<ArtifactCheck> artifacts, Duration elapsed) {

    /**
     * One re-derived artifact.
     *
     * @param maxAbsDiff null when the digests match or the artifacts are not comparable value by value
     */
    public record ArtifactCheck(String stage, String artifact, String recorded, String rederived, Double maxAbsDiff,
                                String note) {
        public boolean matches() {
            return recorded != null && recorded.equals(rederived);
        }

        String outcome() {
            if (matches()) {
                return "match (bit-identical)";
            }
            if (rederived == null) {
                return "not re-derived" + (note == null ? "" : ": " + note);
            }
            return "DIFFERS" + (maxAbsDiff == null ? "" : ", max abs diff " + String.format("%.3g", maxAbsDiff))
                    + (note == null ? "" : " (" + note + ")");
        }
    }

    public boolean sameBackend() {
        return recordedBackend != null && recordedBackend.equals(currentBackend);
    }

    /**
     * Passes when the chain is intact and every artifact re-derived bit-identically; on another backend a
     * difference is reported, not failed, since only the same backend promises the same bits.
     */
    public boolean passed() {
        if (!chainProblems.isEmpty() || artifacts.isEmpty()) {
            return false;
        }
        for (ArtifactCheck c : artifacts) {
            if (!c.matches() && (sameBackend() || c.rederived() == null)) {
                return false;
            }
        }
        return true;
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("audit of job ").append(jobId).append(" (tenant ").append(tenantId).append(")\n");
        sb.append("event log: ").append(archivedEvents).append(" archived events, head ").append(chainHead)
                .append(chainProblems.isEmpty() ? ", chain intact\n" : ", CHAIN BROKEN:\n");
        chainProblems.forEach(p -> sb.append("  - ").append(p).append('\n'));
        sb.append("inputs:\n");
        inputs.forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v).append('\n'));
        sb.append("settings:\n");
        settings.forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v).append('\n'));
        sb.append("backend: recorded ").append(recordedBackend).append("\n         now      ").append(currentBackend)
                .append(sameBackend() ? " (same: bit-identical results required)\n" : " (DIFFERENT: differences are reported)\n");
        sb.append("artifacts:\n");
        for (ArtifactCheck c : artifacts) {
            sb.append("  ").append(c.stage()).append(" / ").append(c.artifact()).append('\n')
                    .append("    recorded   ").append(c.recorded()).append('\n')
                    .append("    re-derived ").append(c.rederived()).append('\n')
                    .append("    ").append(c.outcome()).append('\n');
        }
        sb.append("verdict: ").append(passed() ? "PASS" : "FAIL").append(" (").append(elapsed.toMillis())
                .append(" ms)\n");
        return sb.toString();
    }

    public String markdown() {
        List<String> lines = new ArrayList<>();
        lines.add("# Audit of job `" + jobId + "`");
        lines.add("");
        lines.add("Tenant `" + tenantId + "`; verdict **" + (passed() ? "PASS" : "FAIL") + "**; re-derived in "
                + elapsed.toMillis() + " ms.");
        lines.add("");
        lines.add("## Event log");
        lines.add("");
        lines.add(archivedEvents + " archived events, hash chain head `" + chainHead + "`: "
                + (chainProblems.isEmpty() ? "intact." : "**broken**:"));
        chainProblems.forEach(p -> lines.add("- " + p));
        lines.add("");
        lines.add("## Inputs");
        lines.add("");
        lines.add("| input | digest |");
        lines.add("| --- | --- |");
        inputs.forEach((k, v) -> lines.add("| " + k + " | `" + v + "` |"));
        lines.add("");
        lines.add("## Settings");
        lines.add("");
        lines.add("| setting | value |");
        lines.add("| --- | --- |");
        settings.forEach((k, v) -> lines.add("| " + k + " | `" + v.replace("|", "\\|") + "` |"));
        lines.add("");
        lines.add("## Backend");
        lines.add("");
        lines.add("- recorded: `" + recordedBackend + "`");
        lines.add("- re-derived on: `" + currentBackend + "`" + (sameBackend() ? " (same: bit-identity required)"
                : " (different: differences are reported, not failed)"));
        lines.add("");
        lines.add("## Artifacts");
        lines.add("");
        lines.add("| stage | artifact | recorded | re-derived | outcome |");
        lines.add("| --- | --- | --- | --- | --- |");
        for (ArtifactCheck c : artifacts) {
            lines.add("| " + c.stage() + " | " + c.artifact() + " | `" + c.recorded() + "` | `" + c.rederived()
                    + "` | " + c.outcome() + " |");
        }
        lines.add("");
        return String.join("\n", lines);
    }
}

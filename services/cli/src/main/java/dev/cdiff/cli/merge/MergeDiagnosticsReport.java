package dev.cdiff.cli.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.platform.diagnostics.MergeDiagnosticsTable;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A finished merge's captions and diagnostics as {@code cdiff merge --wait} and the demo print them: where the
 * regularization captions came from, one compact row per layer, and the worst layer residual per concept.
 */
public final class MergeDiagnosticsReport {
    private MergeDiagnosticsReport() {
    }

    /** Fetches the merge's diagnostics artifact through the API's signed link; empty when the merge names none. */
    public static Optional<MergeDiagnosticsTable> fetch(GatewayClient api, String jobId)
            throws IOException, InterruptedException {
        for (JsonNode a : api.artifacts(jobId).path("artifacts")) {
            if ("merge-diagnostics".equals(a.path("role").asText())) {
                Path file = Files.createTempFile("merge-diagnostics-", ".json");
                try {
                    api.download(a.path("url").asText(), file);
                    if (Files.size(file) > MergeDiagnosticsTable.MAX_BYTES) {
                        throw new IOException("merge diagnostics of " + Files.size(file) + " bytes are too large");
                    }
                    return Optional.of(MergeDiagnosticsTable.parse(Files.readAllBytes(file)));
                } finally {
                    Files.deleteIfExists(file);
                }
            }
        }
        return Optional.empty();
    }

    /** @param merge the {@code merge} part of the job's status */
    public static void printCaptions(JsonNode merge, PrintStream out) {
        if (!merge.path("captionSource").isMissingNode()) {
            out.println("regularization captions: " + merge.path("captionCount").asInt() + " from "
                    + merge.path("captionSource").asText() + ", set sha256 "
                    + merge.path("captionSet").path("sha256").asText() + " ("
                    + merge.path("classSetDigests").size() + " class sets named)");
        }
    }

    /** The rows and numbers are the shared table's, as the web console shows them; only the layout is text. */
    public static void print(MergeDiagnosticsTable t, PrintStream out) {
        out.println("merge diagnostics (" + t.regularizationRows() + " caption token rows; residual = relative"
                + " error on the concept's target tokens, drift = ||dW C_reg|| / ||W0 C_reg||)");
        out.println(line(t.header()));
        t.rows().forEach(r -> out.println(line(r.cells())));
        for (MergeDiagnosticsTable.Worst w : t.worstPerConcept()) {
            out.println("  " + w.column() + " " + w.concept() + ": worst residual "
                    + MergeDiagnosticsTable.residual(w.residual())
                    + (w.layer().isEmpty() ? "" : " at " + MergeDiagnosticsTable.shortName(w.layer())));
        }
        t.maxDrift().ifPresent(r -> out.println("  max regularization drift " + MergeDiagnosticsTable.number(r.drift())
                + " at " + r.shortLayer()));
        out.println("  (per-concept presence in samples: not measured by the merge)");
    }

    private static String line(List<String> cells) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-24s %9s %9s %9s", cells.get(0),
                cells.get(1), cells.get(2), cells.get(3)));
        cells.subList(4, cells.size()).forEach(c -> line.append(String.format(Locale.ROOT, " %10s", c)));
        return line.toString();
    }
}

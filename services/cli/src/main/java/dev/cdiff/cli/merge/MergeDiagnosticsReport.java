package dev.cdiff.cli.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.diffusion.merge.MergeDiagnostics;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
    public static Optional<MergeDiagnostics> fetch(GatewayClient api, String jobId)
            throws IOException, InterruptedException {
        for (JsonNode a : api.artifacts(jobId).path("artifacts")) {
            if ("merge-diagnostics".equals(a.path("role").asText())) {
                Path file = Files.createTempFile("merge-diagnostics-", ".json");
                try {
                    api.download(a.path("url").asText(), file);
                    return Optional.of(MergeDiagnostics.fromJson(Files.readAllBytes(file)));
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

    public static void print(MergeDiagnostics d, PrintStream out) {
        out.println("merge diagnostics (" + d.regularizationRows() + " caption token rows; residual = relative"
                + " error on the concept's target tokens, drift = ||dW C_reg|| / ||W0 C_reg||)");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-24s %9s %9s %9s", "layer", "|dW|",
                "|dW|/|W0|", "drift"));
        for (int k = 0; k < d.concepts().size(); k++) {
            head.append(String.format(Locale.ROOT, " %10s", "res c" + (k + 1)));
        }
        out.println(head);
        for (MergeDiagnostics.Layer l : d.layers()) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-24s %9.3g %9.3g %9.3g",
                    shortName(l.layer()), l.changeNorm(), l.relativeChange(), l.regularizationDrift()));
            l.constraintResidual().forEach(r -> row.append(String.format(Locale.ROOT, " %10.2e", r)));
            out.println(row);
        }
        for (int k = 0; k < d.concepts().size(); k++) {
            MergeDiagnostics.Worst w = d.worstResidual(k);
            out.println(String.format(Locale.ROOT, "  c%d %s: worst residual %.2e%s", k + 1, w.concept(),
                    w.residual(), w.layer().isEmpty() ? "" : " at " + shortName(w.layer())));
        }
        MergeDiagnostics.Layer drift = d.layers().stream()
                .max(java.util.Comparator.comparingDouble(MergeDiagnostics.Layer::regularizationDrift)).orElse(null);
        if (drift != null) {
            out.println(String.format(Locale.ROOT, "  max regularization drift %.3g at %s", drift.regularizationDrift(),
                    shortName(drift.layer())));
        }
        out.println("  (per-concept presence in samples: not measured by the merge)");
    }

    /** {@code down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight} -> {@code down1.a0.t0.k}. */
    static String shortName(String layer) {
        return layer.replace("_blocks.", "").replace("mid_block.", "mid.").replace("attentions.", "a")
                .replace("transformer", "t").replace(".attn2.to_", ".").replace(".weight", "");
    }
}

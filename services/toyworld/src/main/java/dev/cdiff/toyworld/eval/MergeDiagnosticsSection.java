package dev.cdiff.toyworld.eval;

import dev.cdiff.diffusion.merge.MergeDiagnostics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's sections on the closed-form merge itself: per layer, how far it is from reproducing each concept's
 * own update (constraint residual) and how much it moved the base outputs on the regularization captions (drift);
 * then which concept the merged model loses relative to joint training.
 */
final class MergeDiagnosticsSection {
    /** Presence of each concept in one multi-concept row and its difference to joint training (NaN without one). */
    record PresenceRow(String method, double first, double second, double both, double firstDifference,
                       double secondDifference, double bothDifference) {}

    private MergeDiagnosticsSection() {}

    /** Joint training, then every merge row; empty when the result has no merge row. */
    static List<PresenceRow> presence(EvalResult r) {
        List<EvalResult.MultiConcept> merges = r.multi().stream()
            .filter(m -> m.method().startsWith(ToyEvaluation.MERGE_LABEL)).toList();
        if (merges.isEmpty()) return List.of();
        EvalResult.MultiConcept joint = Headlines.multi(r, ToyEvaluation.JOINT_LABEL);
        List<PresenceRow> out = new ArrayList<>();
        if (joint != null) out.add(row(joint, joint));
        for (EvalResult.MultiConcept m : merges) out.add(row(m, joint));
        return out;
    }

    private static PresenceRow row(EvalResult.MultiConcept m, EvalResult.MultiConcept joint) {
        return new PresenceRow(m.method(), m.firstPresent(), m.secondPresent(), m.bothPresent(),
            joint == null ? Double.NaN : m.firstPresent() - joint.firstPresent(),
            joint == null ? Double.NaN : m.secondPresent() - joint.secondPresent(),
            joint == null ? Double.NaN : m.bothPresent() - joint.bothPresent());
    }

    static List<ReportDocument.Section> sections(EvalResult r) {
        List<ReportDocument.Section> out = new ArrayList<>();
        for (EvalResult.MultiConcept m : r.multi()) {
            if (m.diagnostics() == null) continue;
            MergeDiagnostics d = m.diagnostics();
            List<String> paragraphs = new ArrayList<>();
            if (out.isEmpty()) {
                paragraphs.add("Per cross-attention K/V layer of the merged model W (base W0, concept k's own "
                    + "fine-tuned layer Wk, its target caption features Ck): *constraint residual* = "
                    + "‖Ck W^T − Ck Wk^T‖ / ‖Ck Wk^T‖ (0 = the merge reproduces the concept's own update on its "
                    + "captions); *regularization drift* = ‖(W − W0) Creg^T‖ / ‖W0 Creg^T‖ over the regularization "
                    + "captions (0 = base outputs kept); *relative change* = ‖W − W0‖ / ‖W0‖.");
            }
            paragraphs.add(worstLine(d));
            List<String> header = new ArrayList<>(List.of("layer", "rows×cols"));
            for (String c : d.concepts()) header.add("residual " + EvalReportWriter.code(c));
            header.addAll(List.of("regularization drift", "relative change"));
            List<List<String>> rows = new ArrayList<>();
            for (MergeDiagnostics.Layer l : d.layers()) {
                List<String> row = new ArrayList<>(List.of("`" + l.layer() + "`", l.rows() + "×" + l.cols()));
                for (double v : l.constraintResidual()) row.add(sci(v));
                row.add(g3(l.regularizationDrift()));
                row.add(g3(l.relativeChange()));
                rows.add(row);
            }
            out.add(new ReportDocument.Section("Merge diagnostics: " + m.method(), paragraphs,
                new ReportDocument.Table(header, rows), List.of()));
        }
        List<PresenceRow> presence = presence(r);
        if (!presence.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (PresenceRow p : presence) {
                boolean joint = p.method().equals(ToyEvaluation.JOINT_LABEL);
                rows.add(List.of(EvalReportWriter.code(p.method()), EvalReportWriter.fmt2(p.first()),
                    EvalReportWriter.fmt2(p.second()), EvalReportWriter.fmt2(p.both()),
                    joint ? "–" : signed(p.firstDifference()), joint ? "–" : signed(p.secondDifference()),
                    joint ? "–" : signed(p.bothDifference())));
            }
            out.add(new ReportDocument.Section("Per-concept presence, merge vs joint", List.of(
                "Presence as in the multi-concept table; differences are merge minus joint training, so a concept the "
                    + "merge loses shows as a negative number in its column."),
                new ReportDocument.Table(List.of("method", "`<new1>` present", "`<new2>` present", "both present",
                    "`<new1>` vs joint", "`<new2>` vs joint", "both vs joint"), rows), List.of()));
        }
        return out;
    }

    private static String worstLine(MergeDiagnostics d) {
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < d.concepts().size(); k++) {
            MergeDiagnostics.Worst w = d.worstResidual(k);
            parts.add(EvalReportWriter.code(w.concept()) + " " + sci(w.residual())
                + (w.layer().isEmpty() ? "" : " (`" + w.layer() + "`)"));
        }
        return "Worst constraint residual per concept: " + String.join(", ", parts) + "; max regularization drift "
            + g3(d.maxRegularizationDrift()) + " over " + d.layers().size() + " layers (" + d.regularizationRows()
            + " regularization rows).";
    }

    private static String sci(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2e", v);
    }

    private static String g3(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String signed(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%+.2f", v);
    }
}

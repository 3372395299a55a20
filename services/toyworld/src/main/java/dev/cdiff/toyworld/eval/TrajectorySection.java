package dev.cdiff.toyworld.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The report's section on where Custom Diffusion + reg's image alignment goes as its run goes on: whether the
 * single-concept budget stopped short of, or past, what the same recipe reaches.
 */
final class TrajectorySection {
    private TrajectorySection() {}

    /** Null when the result has no trajectory (a run that skipped it). */
    static ReportDocument.Section section(EvalResult r) {
        if (r.trajectory().isEmpty()) return null;
        List<List<String>> rows = new ArrayList<>();
        for (EvalResult.TrajectoryPoint p : r.trajectory()) {
            rows.add(List.of(Integer.toString(p.step()), EvalReportWriter.fmt3(p.imageSimilarity()),
                EvalReportWriter.fmt2(p.exactMatchRate()), EvalReportWriter.fmt2(p.present()),
                EvalReportWriter.fmt3(p.loss())));
        }
        EvalSettings s = r.settings();
        String summary = Headlines.trajectorySummary(r);
        String paragraph = "The Custom Diffusion + reg run of the single-concept table (same settings, seed and constant "
            + "learning rate " + s.learningRate() + "), continued to " + 2 * s.steps() + " steps. At each checkpoint its "
            + "delta is applied to a fresh base model and sampled on the concept prompts with the table's seeds, so the "
            + "step-" + s.steps() + " row is the table's run. *Loss* is the last step's (one batch). "
            + Character.toUpperCase(summary.charAt(0)) + summary.substring(1) + " (image alignment).";
        return new ReportDocument.Section("Training trajectory of Custom Diffusion + reg (`<new1>`)", List.of(paragraph),
            new ReportDocument.Table(List.of("step", "image alignment", "exact match", "concept present", "loss"), rows),
            List.of());
    }
}

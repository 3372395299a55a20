package dev.cdiff.toyworld.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's section on the second concept trained alone: how often each single model shows its own concept is
 * the first thing that limits how often a two-concept model shows both.
 */
final class SecondConceptSection {
    private SecondConceptSection() {}

    /** Null when the result has no second-concept rows (a run that skipped them). */
    static ReportDocument.Section section(EvalResult r, Path images, String docName) throws IOException {
        if (r.second().isEmpty()) return null;
        List<List<String>> rows = new ArrayList<>();
        List<ReportDocument.Figure> figures = new ArrayList<>();
        for (EvalResult.SingleConcept c : r.second()) {
            rows.add(EvalReportWriter.singleRow(c));
            figures.add(EvalReportWriter.conceptGrid(c, "second-", r.settings().imagesPerPrompt(), images, docName));
        }
        String paragraph = "`<new2>` trained alone with the single-concept budget and seed, measured as `<new1>` is "
            + "above: image alignment and presence against `<new2>`'s own targets (presence threshold "
            + EvalReportWriter.fmt3(r.secondVaeCeiling().presenceThreshold()) + "), forgetting on its plain class "
            + "prompts against this table's base row. The Custom Diffusion + reg delta is the one the merge below "
            + "combines with `<new1>`'s. *Both present* in the multi-concept table can be no higher than either concept's "
            + "presence in the same samples; these rows show how often each concept appears when it is the only one "
            + "asked for.";
        return new ReportDocument.Section("Second concept alone: `<new2>` (diagonal-striped green/purple square)",
            List.of(paragraph), new ReportDocument.Table(EvalReportWriter.SINGLE_HEADER, rows), figures);
    }
}

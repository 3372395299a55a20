package dev.cdiff.toyworld.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The report's section on the paper's ablations of Custom Diffusion + reg, the main run first for comparison. */
final class AblationSection {
    private AblationSection() {}

    /** Null when the result has no ablations (a run that skipped them). */
    static ReportDocument.Section section(EvalResult r, Path images, String docName) throws IOException {
        if (r.ablations().isEmpty()) return null;
        List<List<String>> rows = new ArrayList<>();
        EvalResult.SingleConcept main = Headlines.find(r, Headlines.CD_PREFIX, true);
        if (main != null) rows.add(EvalReportWriter.singleRow(main));
        List<String> paragraphs = new ArrayList<>();
        paragraphs.add("Each row below the first is the Custom Diffusion + reg run of the single-concept table (repeated "
            + "as the first row) with one thing changed, trained with the same budget and seed and measured on the same "
            + "prompts, class prompts and detectors.");
        List<ReportDocument.Figure> figures = new ArrayList<>();
        for (EvalResult.SingleConcept c : r.ablations()) {
            rows.add(EvalReportWriter.singleRow(c));
            paragraphs.add("*" + EvalReportWriter.code(variant(c.method())) + "*: "
                + EvalReportWriter.code(change(c.method(), r.settings())));
            figures.add(EvalReportWriter.grid(c.conceptImages(), r.settings().imagesPerPrompt(), images, docName,
                "ablation-" + ToyEvaluation.slug(c.method()),
                c.method() + " — rows: " + String.join(" / ", EvalReportWriter.prompts(c.conceptImages()))));
        }
        return new ReportDocument.Section("Ablations of Custom Diffusion + reg (`<new1>`)", paragraphs,
            new ReportDocument.Table(EvalReportWriter.SINGLE_HEADER, rows), figures);
    }

    /** What the ablation named {@code method} changes relative to the main Custom Diffusion + reg run. */
    static String change(String method, EvalSettings s) {
        String v = variant(method);
        if (v.equals("no modifier token")) {
            return "the targets are captioned \"a circle\" instead of \"a <new1> circle\" and the model is sampled with "
                + "the concept prompts minus the token, so only the K/V update can carry the concept.";
        }
        if (v.equals("generated reg images")) {
            return "the regularization images are sampled from the base model for the same captions instead of being "
                + "the real corpus images those captions belong to.";
        }
        if (v.endsWith("augmentation")) {
            return "the paper's random shrink/zoom augmentation of the target images is switched "
                + (s.augment() ? "off" : "on") + " relative to the main runs; at 32 px shrinking resamples the 2-px "
                + "fill patterns, which is why " + (s.augment() ? "runs usually keep it off (these main runs had it on)."
                : "the main runs keep it off.");
        }
        return "one setting of Custom Diffusion + reg changed, as the name says.";
    }

    private static String variant(String method) {
        int comma = method.lastIndexOf(", ");
        return comma < 0 ? method : method.substring(comma + 2);
    }
}

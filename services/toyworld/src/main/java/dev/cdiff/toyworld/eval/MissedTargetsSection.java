package dev.cdiff.toyworld.eval;

import static dev.cdiff.toyworld.eval.EvalReportWriter.fmt2;
import static dev.cdiff.toyworld.eval.EvalReportWriter.fmt3;

import dev.cdiff.toyworld.metrics.MeanInterval;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's account of each missed target: what this run's own rows say about the cause. Every finding is read
 * from the numbers and states its direction, so on a run where a cause does not hold the report says so instead of
 * repeating the last run's explanation.
 */
final class MissedTargetsSection {
    static final String TITLE = "Why the missed targets are missed";
    /** The title as GitHub and most Markdown renderers turn it into a link target (it has no punctuation to drop). */
    static final String ANCHOR = TITLE.toLowerCase(Locale.ROOT).replace(' ', '-');

    private MissedTargetsSection() {}

    /** Null when every target is met. */
    static ReportDocument.Section section(EvalResult r) {
        List<String> paragraphs = new ArrayList<>();
        for (Headline h : Headlines.all(r)) {
            if (h.met()) continue;
            List<String> f = findings(h, r);
            paragraphs.add("**" + EvalReportWriter.code(h.label()) + "** (" + h.valueText() + ", target "
                + h.direction().symbol() + " " + Headline.trim(h.target()) + "): "
                + (f.isEmpty() ? "this run has no row that shows the cause." : String.join("; ", f) + "."));
        }
        if (paragraphs.isEmpty()) return null;
        paragraphs.add(0, "Each missed target below, with what the tables above say about its cause. The budgets, "
            + "learning rates, batch sizes, loss weightings and token initializers tried outside this report, each with "
            + "its figures, are in services/toyworld/PRETRAIN.md.");
        return new ReportDocument.Section(TITLE, paragraphs, null, List.of());
    }

    /** What the result's rows say about why {@code h} is missed; empty for a target with no such rows. */
    static List<String> findings(Headline h, EvalResult r) {
        return switch (h.name()) {
            case "cd_reg_image_alignment" -> imageAlignment(r, h.target());
            case "joint_both_present" -> bothPresent(r, Headlines.multi(r, ToyEvaluation.JOINT_LABEL), h.target());
            case "merge_both_present" -> bothPresent(r, Headlines.mergeRow(r), h.target());
            default -> List.of();
        };
    }

    private static List<String> imageAlignment(EvalResult r, double target) {
        List<String> out = new ArrayList<>();
        EvalResult.SingleConcept cd = Headlines.find(r, Headlines.CD_PREFIX, true);
        MeanInterval ci = cd == null ? null : cd.imageSimilarityInterval();
        if (ci != null) {
            String interval = String.format(Locale.ROOT, "the %d %% bootstrap interval over its %d concept-prompt images, "
                + "[%s, %s], ", Math.round(ci.level() * 100), ci.images(), fmt3(ci.low()), fmt3(ci.high()));
            out.add(ci.high() >= target ? "sampling noise may account for the miss: " + interval + "contains the target"
                : "not sampling noise: " + interval + "lies below the target");
        }
        EvalResult.TrajectoryPoint best = null;
        for (EvalResult.TrajectoryPoint p : r.trajectory()) {
            if (best == null || p.imageSimilarity() > best.imageSimilarity()) best = p;
        }
        if (best != null) {
            String peak = fmt3(best.imageSimilarity()) + " at step " + best.step();
            int last = r.trajectory().get(r.trajectory().size() - 1).step();
            out.add(best.imageSimilarity() < target
                ? "not where the run stops: the same run, scored at " + r.trajectory().size() + " checkpoints to step "
                    + last + ", peaks at " + peak
                : "where the run stops: the same run reaches " + peak + " of its " + r.trajectory().size()
                    + " checkpoints");
        }
        List<String> full = new ArrayList<>();
        boolean fullReaches = false;
        for (EvalResult.SingleConcept c : r.single()) {
            if (!c.method().startsWith(Headlines.FULL_PREFIX)) continue;
            full.add(fmt3(c.imageSimilarity()) + (c.regularized() ? " (reg)" : " (no reg)"));
            fullReaches |= c.imageSimilarity() >= target;
        }
        if (!full.isEmpty()) {
            out.add(fullReaches
                ? "the parameters the method trains: fine-tuning the whole UNet and the token on the same budget reaches "
                    + String.join(" and ", full)
                : "not the parameters the method trains: fine-tuning the whole UNet and the token on the same budget "
                    + "reaches only " + String.join(" and ", full));
        }
        double ceiling = r.vaeCeiling().imageSimilarity();
        out.add(ceiling >= target ? "not the frozen VAE: its round trip of the targets scores " + fmt3(ceiling)
            : "the frozen VAE: its round trip of the targets scores only " + fmt3(ceiling));
        return out;
    }

    private static List<String> bothPresent(EvalResult r, EvalResult.MultiConcept row, double target) {
        List<String> out = new ArrayList<>();
        EvalResult.MultiConcept ceiling = Headlines.multi(r, ToyEvaluation.PAIR_CEILING_LABEL);
        if (ceiling != null) {
            String scenes = "real two-concept scenes keep both concepts through the frozen VAE's round trip in "
                + fmt2(ceiling.bothPresent()) + " of cases";
            out.add(ceiling.bothPresent() < target
                ? "out of reach with this VAE: " + scenes + ", below the target, so even latents exactly a real "
                    + "scene's would miss it"
                : "not the frozen VAE: " + scenes);
        }
        double secondAlone = Double.NaN;
        for (EvalResult.SingleConcept c : r.second()) {
            if (c.method().startsWith(Headlines.BASE_PREFIX)) continue;
            secondAlone = Double.isNaN(secondAlone) ? c.present() : Math.max(secondAlone, c.present());
        }
        if (!Double.isNaN(secondAlone)) {
            out.add(secondAlone == 0
                ? "`<new2>` is never learnt to presence: trained alone and asked for alone, it is present in none of its "
                    + "own samples with any method here, and a sample with both concepts needs it"
                : "`<new2>` trained alone is present in at most " + fmt2(secondAlone) + " of its own samples");
        }
        if (row != null) {
            out.add("in these composition samples `<new1>` is present in " + fmt2(row.firstPresent()) + " and `<new2>` in "
                + fmt2(row.secondPresent()));
            EvalResult.MultiConcept colours = Headlines.multi(r, ToyEvaluation.BASE_COMPOSITION_LABEL);
            if (colours != null) {
                out.add("both class shapes are drawn in " + fmt2(row.bothShapes()) + " of them, against "
                    + fmt2(colours.bothShapes()) + " for the base model with colour words for the tokens"
                    + Headlines.tokenShapesNote(r));
            }
        }
        return out;
    }
}

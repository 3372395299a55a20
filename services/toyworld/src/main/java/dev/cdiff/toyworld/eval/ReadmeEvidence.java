package dev.cdiff.toyworld.eval;

import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.metrics.PromptedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's evidence for the method: one picture (base model, Custom Diffusion + reg and the closed-form merge,
 * one sample per prompt) and the headline numbers, each against its target, linking to the full report.
 */
public final class ReadmeEvidence {
    public static final String GRID_FILE = "readme-grid.png";
    private static final int SCALE = 3;

    /** One grid row: a method and the first sample of each prompt it was evaluated on. */
    record Row(String label, List<PromptedImage> images) {}

    private ReadmeEvidence() {}

    /** Base model, Custom Diffusion + reg (single-concept prompts), corpus-caption merge (composition prompts). */
    static List<Row> rows(EvalResult r) {
        List<Row> rows = new ArrayList<>();
        EvalResult.SingleConcept base = Headlines.find(r, Headlines.BASE_PREFIX, false);
        if (base != null) rows.add(new Row(base.method(), firstPerPrompt(base.conceptImages())));
        EvalResult.SingleConcept cd = Headlines.find(r, Headlines.CD_PREFIX, true);
        if (cd != null) rows.add(new Row(cd.method() + " + reg", firstPerPrompt(cd.conceptImages())));
        EvalResult.MultiConcept merge = Headlines.mergeRow(r);
        if (merge != null) rows.add(new Row(merge.method() + " of <new1> and <new2>", firstPerPrompt(merge.images())));
        rows.removeIf(row -> row.images().isEmpty());
        return rows;
    }

    /** Writes {@link #GRID_FILE} into {@code dir}; false (and nothing written) when the result has none of the rows. */
    static boolean writeGrid(EvalResult r, Path dir) throws IOException {
        List<Row> rows = rows(r);
        if (rows.isEmpty()) return false;
        List<List<ToyImage>> grid = new ArrayList<>();
        for (Row row : rows) grid.add(row.images().stream().map(PromptedImage::image).toList());
        ImageGrid.writeRows(grid, SCALE, dir.resolve(GRID_FILE));
        return true;
    }

    /**
     * The evidence section's Markdown. {@code reportLink} is the report's path as seen from the README (e.g.
     * {@code docs/toy-eval.md}); the grid and the JSON sit beside it as the report writer puts them.
     */
    public static String markdown(EvalResult r, String reportLink) {
        String base = reportLink.replaceAll("\\.md$", "");
        StringBuilder sb = new StringBuilder();
        List<Row> rows = rows(r);
        if (!rows.isEmpty()) {
            List<String> labels = rows.stream().map(Row::label).toList();
            sb.append("![Toy world, one sample per prompt; rows: ").append(String.join(" / ", labels).replaceAll("[<>`]", ""))
                .append("](").append(base).append('/').append(GRID_FILE).append(")\n\n");
            sb.append("One sample per prompt, left to right; rows:\n\n");
            for (Row row : rows) {
                sb.append("- ").append(EvalReportWriter.code(row.label())).append(": ")
                    .append(String.join(" / ", EvalReportWriter.prompts(row.images()))).append('\n');
            }
            sb.append('\n');
        }
        sb.append("Headline numbers (issue 10) from [").append(reportLink).append("](").append(reportLink)
            .append("), all numbers also in [").append(base).append(".json](").append(base).append(".json):\n\n");
        for (Headline h : Headlines.of(r)) {
            sb.append("- ").append(h.label()).append(": [").append(h.valueText()).append("](").append(reportLink)
                .append(") (target ").append(h.direction().symbol()).append(' ').append(Headline.trim(h.target()))
                .append(") — ").append(h.met() ? "met"
                    : "**missed** ([why](" + reportLink + "#" + MissedTargetsSection.ANCHOR + "))")
                .append(h.detail().isEmpty() ? "" : "; " + h.detail()).append('\n');
        }
        return sb.toString();
    }

    private static List<PromptedImage> firstPerPrompt(List<PromptedImage> images) {
        List<PromptedImage> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (PromptedImage p : images) {
            if (!seen.contains(p.prompt())) {
                seen.add(p.prompt());
                out.add(p);
            }
        }
        return out;
    }
}

package dev.cdiff.toyworld.eval;

import dev.cdiff.toyworld.metrics.PromptedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes an {@link EvalResult} as {@code <name>.md}, {@code <name>.html} and {@code <name>.json} with the image
 * grids (and the README's, {@link ReadmeEvidence}) in the folder {@code <name>/} next to them, and checks the
 * issues' targets ({@link Headlines}) against the measured numbers.
 */
public final class EvalReportWriter {
    private static final int GRID_SCALE = 2;

    private EvalReportWriter() {}

    /** Returns the Markdown file. */
    public static Path write(EvalResult r, Path markdownFile, String command) throws IOException {
        String name = markdownFile.getFileName().toString().replaceAll("\\.md$", "");
        Path dir = markdownFile.toAbsolutePath().getParent();
        Path images = dir.resolve(name);
        Files.createDirectories(images);
        ReportDocument doc = new ReportDocument("Toy-world evaluation of Custom Diffusion");
        EvalSettings s = r.settings();
        doc.add(new ReportDocument.Section("Setup", List.of(
            "Produced by `" + command + "` on base model `" + r.modelDir() + "` in " + fmt1(r.totalSeconds())
                + " s (2 shared CPU cores). Every number below is measured on generated images with the toy world's exact "
                + "detectors (services/toyworld README): *text alignment* = share of the prompt's attributes present in the "
                + "image; *image alignment* = similarity of the best object's appearance descriptor to the concept's target "
                + "images (0..1); *exact match* = share of samples whose object has the concept's shape and fill pattern; "
                + "*forgetting* = drop of text alignment on plain class prompts (no token) versus the base model.",
            String.format(Locale.ROOT, "Budget (scaled to fit ~15 min): %d steps per single-concept run, %d joint steps, "
                    + "%d target images + %d regularization images per step when regularized, AdamW lr %s for token-only and "
                    + "Custom Diffusion, %s for full UNet (not batch-scaled), augmentation %s, no flips; %d target images per concept; %d regularization "
                    + "images per concept retrieved by class word from a %d-image base-world corpus (with their captions); "
                    + "sampling DDIM %d steps, guidance %s, %d images per prompt (%d per plain class prompt); seed %d.",
                s.steps(), s.jointSteps(), s.instancesPerStep(), s.instancesPerStep(), s.learningRate(), s.fullLearningRate(),
                s.augment() ? "on" : "off", s.targetImages(), s.regImages(), s.corpusSize(), s.samplingSteps(),
                s.guidance(), s.imagesPerPrompt(), s.classImagesPerPrompt(), s.seed())), null, List.of()));

        List<List<String>> baseRows = new ArrayList<>();
        List<ReportDocument.Figure> baseFigs = new ArrayList<>();
        for (EvalResult.BaseAlignment b : r.baseAlignment()) {
            baseRows.add(List.of(b.split(), Integer.toString(b.prompts()), fmt3(b.textAlignment())));
            baseFigs.add(grid(b.images().subList(0, Math.min(16, b.images().size())), 8, images, name,
                "base-" + b.split().toLowerCase(Locale.ROOT), "Base model, first 16 unseen " + b.split() + " captions"));
        }
        doc.add(new ReportDocument.Section("Base model: text alignment on unseen captions", List.of(
            "TRAIN = new captions of (shape, colour) pairs seen in pretraining; HELD_OUT = captions containing at least one "
                + "held-out pair (green circle, purple square, cyan triangle, red diamond, yellow cross) never seen in pretraining."),
            new ReportDocument.Table(List.of("split", "prompts", "text alignment"), baseRows), baseFigs));

        List<List<String>> singleRows = new ArrayList<>();
        List<ReportDocument.Figure> singleFigs = new ArrayList<>();
        for (EvalResult.SingleConcept c : r.single()) {
            singleRows.add(singleRow(c));
            singleFigs.add(conceptGrid(c, "single-", s.imagesPerPrompt(), images, name));
        }
        EvalResult.VaeCeiling ceil = r.vaeCeiling();
        singleFigs.add(0, grid(ceil.images(), ceil.images().size(), images, name, "vae-round-trip",
            "Concept targets after the frozen VAE's encode/decode round trip"));
        doc.add(new ReportDocument.Section("Single concept: `<new1>` (checkerboard red/yellow circle)", List.of(
            String.format(Locale.ROOT, "Ceiling: the %d target images after a VAE encode/decode round trip score image "
                + "alignment %.3f (exact match %.2f); every method here keeps the VAE frozen, so this bounds what any of "
                + "them can reach. *Concept present* = share of samples with an object of the concept's shape whose "
                + "appearance similarity is >= %.3f, the lowest similarity among those VAE reconstructions of real "
                + "targets (`<new2>`: ceiling %.3f, exact %.2f, threshold %.3f).", ceil.images().size(),
                ceil.imageSimilarity(), ceil.exactMatchRate(), ceil.presenceThreshold(),
                r.secondVaeCeiling().imageSimilarity(), r.secondVaeCeiling().exactMatchRate(),
                r.secondVaeCeiling().presenceThreshold()),
            "Text and image alignment on the concept prompts (rows of the grids); class text alignment and forgetting on "
                + "plain class prompts (\"a red circle\", ...). Regularization = prior-preservation loss on real corpus images "
                + "whose caption mentions \"circle\". Trained parameters include the 64-value token row; delta bytes = size of "
                + "the saved delta file (full fp32). Token-only rows with and without regularization coincide by construction: "
                + "class captions do not contain the token and the UNet is frozen, so the prior loss has no gradient on the "
                + "trained row (only the loss scale changes, which AdamW ignores)."),
            new ReportDocument.Table(SINGLE_HEADER, singleRows), singleFigs));
        ReportDocument.Section ablations = AblationSection.section(r, images, name);
        if (ablations != null) doc.add(ablations);
        ReportDocument.Section trajectory = TrajectorySection.section(r);
        if (trajectory != null) doc.add(trajectory);
        ReportDocument.Section second = SecondConceptSection.section(r, images, name);
        if (second != null) doc.add(second);

        List<List<String>> multiRows = new ArrayList<>();
        List<ReportDocument.Figure> multiFigs = new ArrayList<>();
        for (EvalResult.MultiConcept m : r.multi()) {
            multiRows.add(List.of(code(m.method()), fmt2(m.bothPresent()), fmt2(m.firstPresent()), fmt2(m.secondPresent()),
                fmt2(m.bothExact()), fmt2(m.bothShapes()), fmt3(m.textAlignment()), fmt1(m.seconds())));
            boolean ceiling = m.method().equals(ToyEvaluation.PAIR_CEILING_LABEL);
            multiFigs.add(grid(m.images(), s.imagesPerPrompt(), images, name, "multi-" + ToyEvaluation.slug(m.method()),
                ceiling ? m.method() + " (" + m.images().size() + " rendered scenes, not prompted samples)"
                    : m.method() + " — rows: " + String.join(" / ", prompts(m.images()))));
        }
        doc.add(new ReportDocument.Section("Multi-concept: `<new1>` circle + `<new2>` (diagonal-striped green/purple square)",
            List.of("Composition prompts; a concept counts as present as defined above (shape + appearance at least as close "
                + "as the VAE's own reconstructions of its targets); *both exact* requires both detected fill patterns. Single models know only their own token (the other token falls apart into byte tokens). "
                + "Seconds = joint training time, or the merge's solve time. The closed-form merge is constrained by the "
                + "base-world corpus captions (as the merging service uses the retrieval corpus); the *template captions* "
                + "row is the same merge constrained by as many generated template captions (the service's fallback). "
                + "*Both shapes* = share of samples with an object of each concept's class shape, whatever its "
                + "appearance. The first row is no model's output: " + ToyEvaluation.PAIR_CEILING_SCENES + " real scenes "
                + "of both concepts (each at a random size, side by side, on a plain background), rendered by the toy "
                + "world and sent through the frozen VAE's encode/decode round trip. A generator whose latents were "
                + "exactly a real scene's would score that row, so it bounds *both present* for every method here, as "
                + "the single-concept round trip bounds image alignment. The second row is the base model on the same "
                + "prompts with each token replaced by its concept's first colour word (\"a red circle and a green "
                + "square\"): how often the base model composes the two shapes at all, before any concept is learnt. "
                + "*" + ToyEvaluation.BASE_INITIALIZER_LABEL + "* is the base model on the same composition prompts, each "
                + "token added at its initializer word's row as training starts; *" + ToyEvaluation.JOINT_TOKENS_LABEL
                + "* is joint training with the K/V frozen. Together they show how much of the composition a method "
                + "loses through the token rows alone."),
            new ReportDocument.Table(List.of("method", "both present", "`<new1>` present", "`<new2>` present",
                "both exact", "both shapes", "text alignment", "seconds"), multiRows), multiFigs));
        MergeDiagnosticsSection.sections(r).forEach(doc::add);

        List<List<String>> compRows = new ArrayList<>();
        List<ReportDocument.Figure> compFigs = new ArrayList<>();
        for (EvalResult.Compression c : r.compression()) {
            String rank = c.rank() == 0 ? "full" : Integer.toString(c.rank());
            compRows.add(List.of(rank, String.format(Locale.ROOT, "%.1f%%", 100 * c.parameterFraction()),
                Long.toString(c.deltaBytes()), fmt3(c.imageSimilarity()), fmt2(c.exactMatchRate()), fmt3(c.textAlignment())));
            compFigs.add(grid(c.images(), s.imagesPerPrompt(), images, name, "rank-" + rank, "rank " + rank));
        }
        doc.add(new ReportDocument.Section("Compression: low-rank Custom Diffusion delta (paper table 6.3)", List.of(
            "The Custom Diffusion + reg delta of `<new1>`, each K/V update dW replaced by its best rank-r approximation "
                + "(SVD), applied to a fresh base model."),
            new ReportDocument.Table(List.of("rank", "K/V values stored", "delta bytes", "image alignment", "exact match",
                "text alignment"), compRows), compFigs));

        doc.add(new ReportDocument.Section("Targets (issue 10, then issue 4's others)", List.of(
            "The same list, with stable names, is the `headline` (and `earlierTargets`) of `" + name + ".json`."),
            new ReportDocument.Table(List.of("target", "measured", "met"), targets(r)), List.of()));
        ReportDocument.Section missed = MissedTargetsSection.section(r);
        if (missed != null) doc.add(missed);

        Files.writeString(markdownFile, doc.markdown(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(name + ".html"), doc.html(), StandardCharsets.UTF_8);
        EvalJsonWriter.write(r, dir.resolve(name + ".json"), command);
        ReadmeEvidence.writeGrid(r, images);
        return markdownFile;
    }

    static final List<String> SINGLE_HEADER = List.of("method", "reg", "text alignment", "image alignment",
        "exact match", "concept present", "class text alignment", "forgetting", "trained params", "delta bytes",
        "train s", "last loss");

    static List<String> singleRow(EvalResult.SingleConcept c) {
        return List.of(code(c.method()), c.method().startsWith(Headlines.BASE_PREFIX) ? "–" : c.regularized() ? "yes" : "no",
            fmt3(c.textAlignment()), fmt3(c.imageSimilarity()), fmt2(c.exactMatchRate()), fmt2(c.present()),
            fmt3(c.classAlignment()),
            fmt3(c.forgetting()), Long.toString(c.trainedParameters()), Long.toString(c.deltaBytes()),
            fmt1(c.trainSeconds()), Float.isNaN((float) c.finalLoss()) ? "–" : fmt3(c.finalLoss()));
    }

    /** One row per {@link Headlines#all} entry: what the report's target table and {@code cdiff eval} print. */
    static List<List<String>> targets(EvalResult r) {
        List<List<String>> rows = new ArrayList<>();
        for (Headline h : Headlines.all(r)) {
            rows.add(row(h.targetText(), h.valueText() + (h.detail().isEmpty() ? "" : " (" + h.detail() + ")"), h.met()));
        }
        return rows;
    }

    private static List<String> row(String target, String measured, boolean met) {
        return List.of(target, measured, met ? "yes" : "**no**");
    }

    static List<String> prompts(List<PromptedImage> images) {
        List<String> out = new ArrayList<>();
        for (PromptedImage p : images) {
            String q = "\"" + p.prompt().replace("<", "`<").replace(">", ">`") + "\"";
            if (!out.contains(q)) out.add(q);
        }
        return out;
    }

    /**
     * A single-concept row's samples on its concept prompts, one prompt per grid row, written as
     * {@code <filePrefix><method slug>[-reg].png}.
     */
    static ReportDocument.Figure conceptGrid(EvalResult.SingleConcept c, String filePrefix, int perRow, Path dir,
                                             String docName) throws IOException {
        return grid(c.conceptImages(), perRow, dir, docName,
            filePrefix + ToyEvaluation.slug(c.method()) + (c.regularized() ? "-reg" : ""),
            c.method() + (c.regularized() ? " + reg" : "") + " — rows: " + String.join(" / ", prompts(c.conceptImages())));
    }

    static ReportDocument.Figure grid(List<PromptedImage> images, int perRow, Path dir, String docName, String file,
                                              String caption) throws IOException {
        String png = file + ".png";
        ImageGrid.write(images, perRow, GRID_SCALE, dir.resolve(png));
        return new ReportDocument.Figure(caption, docName + "/" + png);
    }

    /** Concept tokens in backticks, so Markdown renderers do not take them for HTML tags. */
    static String code(String text) {
        return text.replaceAll("(<new[0-9]+>)", "`$1`");
    }

    static String fmt1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String fmt2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}

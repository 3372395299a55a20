package dev.cdiff.toyworld.eval;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cdiff eval}: trains and compares Custom Diffusion and its baselines on the toy base model and writes a
 * Markdown + HTML report with PNG grids (see {@link ToyEvaluation}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Measure Custom Diffusion vs baselines, merge and compression on the toy base model; writes a report.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "models/toy-base", description = "toy base model folder (diffusers layout)")
    Path model;
    @Option(names = "--out", defaultValue = "docs/toy-eval.md", description = "Markdown report; HTML and PNGs go next to it")
    Path out;
    @Option(names = "--work", description = "scratch folder for corpus and deltas (default: a temp folder)")
    Path work;
    @Option(names = "--steps", description = "steps per single-concept run") Integer steps;
    @Option(names = "--joint-steps", description = "steps of the joint two-concept run") Integer jointSteps;
    @Option(names = "--instances", description = "target images per step") Integer instances;
    @Option(names = "--lr", description = "learning rate of token-only and Custom Diffusion runs") Double lr;
    @Option(names = "--full-lr", description = "learning rate of full-UNet runs") Double fullLr;
    @Option(names = "--augment", arity = "1", description = "random shrink/zoom of target images: true|false") Boolean augment;
    @Option(names = "--images-per-prompt") Integer imagesPerPrompt;
    @Option(names = "--class-images-per-prompt", description = "samples per plain class prompt (forgetting)")
    Integer classImagesPerPrompt;
    @Option(names = "--held-out-prompts", description = "captions per split for the base model's text alignment") Integer heldOut;
    @Option(names = "--sampling-steps") Integer samplingSteps;
    @Option(names = "--guidance") Float guidance;
    @Option(names = "--ranks", split = ",", description = "low-rank table ranks, 0 = full") List<Integer> ranks;
    @Option(names = "--seed") Long seed;
    @Option(names = "--readme", description = "Markdown file whose text between " + ReadmeMarkers.BEGIN + " and "
        + ReadmeMarkers.END + " is replaced by the evidence (grid, prompts, headline numbers); default: none")
    Path readme;

    @Override
    public Integer call() throws Exception {
        // a README without the markers would only fail after the whole run
        if (readme != null) ReadmeMarkers.check(readme);
        if (!Files.exists(model.resolve("model_index.json"))) {
            throw new IllegalArgumentException("no toy base model at " + model + " (model_index.json missing); "
                + "train one with `toyworld pretrain --out " + model + "`");
        }
        dev.cdiff.diffusion.tools.DjlSetup.offline();
        EvalSettings d = EvalSettings.defaults();
        EvalSettings s = new EvalSettings(or(steps, d.steps()), or(jointSteps, d.jointSteps()),
            or(instances, d.instancesPerStep()), or(lr, d.learningRate()), or(fullLr, d.fullLearningRate()), or(augment, d.augment()), d.targetImages(),
            d.regImages(), d.corpusSize(), or(imagesPerPrompt, d.imagesPerPrompt()),
            or(classImagesPerPrompt, d.classImagesPerPrompt()), or(heldOut, d.heldOutPrompts()),
            or(samplingSteps, d.samplingSteps()), or(guidance, d.guidance()), or(ranks, d.ranks()), or(seed, d.seed()));
        Path scratch = work != null ? work : Files.createTempDirectory("toy-eval");
        long start = System.currentTimeMillis();
        ToyEvaluation.Progress progress = msg -> System.out.printf(Locale.ROOT, "[%6.1f s] %s%n",
            (System.currentTimeMillis() - start) / 1000.0, msg);
        EvalResult result;
        try (NDManager root = ComputeDevice.newManager()) {
            result = new ToyEvaluation(model, scratch, s, progress).run(root);
        }
        Path md = EvalReportWriter.write(result, out, commandLine(s));
        System.out.println("report: " + md + " (+ .html, PNGs in " + md.toString().replaceAll("\\.md$", "") + "/)");
        for (List<String> t : EvalReportWriter.targets(result)) System.out.println("target: " + String.join(" | ", t));
        if (readme != null) {
            ReadmeMarkers.replaceIn(readme, ReadmeEvidence.markdown(result, linkFrom(readme, md)));
            System.out.println("readme: evidence section of " + readme + " updated");
        }
        return 0;
    }

    private String commandLine(EvalSettings s) {
        return String.format(Locale.ROOT, "cdiff eval --model %s --out %s --steps %d --joint-steps %d --instances %d "
                + "--lr %s --full-lr %s --augment %s --images-per-prompt %d --class-images-per-prompt %d --held-out-prompts %d --sampling-steps %d --guidance %s "
                + "--ranks %s --seed %d", model, out, s.steps(), s.jointSteps(), s.instancesPerStep(), s.learningRate(),
            s.fullLearningRate(), s.augment(), s.imagesPerPrompt(), s.classImagesPerPrompt(), s.heldOutPrompts(), s.samplingSteps(), s.guidance(),
            String.join(",", s.ranks().stream().map(String::valueOf).toList()), s.seed());
    }

    /** The report's path as a Markdown link written in {@code readme}: relative to its folder, with '/'. */
    static String linkFrom(Path readme, Path report) {
        Path from = readme.toAbsolutePath().normalize().getParent();
        return from.relativize(report.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}

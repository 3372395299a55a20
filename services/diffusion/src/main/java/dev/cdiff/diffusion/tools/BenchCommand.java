package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.training.CustomDiffusionTrainer;
import dev.cdiff.diffusion.merge.MergeBenchmark;
import dev.cdiff.diffusion.merge.RegularizationGram;
import dev.cdiff.diffusion.training.SyntheticConcepts;
import dev.cdiff.diffusion.training.TrainingConfig;
import dev.cdiff.diffusion.training.TrainingMode;
import dev.cdiff.diffusion.training.TrainingModels;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.StableDiffusion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code bench train|sample|merge}: speed and memory figures; each prints its summary as the last line. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks of training, sampling and merging.",
        subcommands = {BenchCommand.Train.class, BenchCommand.Sample.class, BenchCommand.Merge.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Custom Diffusion training steps on synthetic images: ms/step and RSS (MiB) over time.")
    public static final class Train implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Diffusers-layout base model folder.")
        Path model;
        @Option(names = "--resolution", defaultValue = "0", description = "Image side (0 = the model's native size).")
        int resolution;
        @Option(names = "--batch", defaultValue = "2", description = "Images per step, half regularization (default ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--steps", defaultValue = "20", description = "Steps (default ${DEFAULT-VALUE}).")
        int steps;
        @Option(names = "--mode", defaultValue = "CUSTOM_DIFFUSION", description = "${COMPLETION-CANDIDATES}")
        TrainingMode mode;
        @Option(names = "--report-every", defaultValue = "0", description = "RSS report interval in steps (0 = steps/10).")
        int reportEvery;
        @Mixin
        TimedSteps timed;

        @Override
        public Integer call() {
            DjlSetup.offline();
            int warmup = timed.warmup;
            checkWarmup(warmup, steps);
            PrintStream out = System.out;
            try (NDManager m = ComputeDevice.newManager(); TrainingModels models = TrainingModels.load(model, m)) {
                int vaeFactor = 1 << (models.vae().config().blockOutChannels().length - 1);
                int size = resolution > 0 ? resolution : models.unet().config().sampleSize() * vaeFactor;
                boolean reg = batch >= 2 && batch % 2 == 0;
                TrainingConfig cfg = TrainingConfig.builder(List.of(SyntheticConcepts.dogConcept(size, reg)))
                        .mode(mode).resolution(size).batchSize(batch).steps(steps).build();
                int every = reportEvery > 0 ? reportEvery : Math.max(1, steps / 10);
                long rssStart = ProcessMemory.rssMiB();
                long[] rssMax = {rssStart};
                long[] firstStepMs = {0};
                long[] stepEnds = new long[steps + 1];
                try (CustomDiffusionTrainer t = new CustomDiffusionTrainer(models, cfg, m);
                     EngineProfile trace = timed.trace(steps)) {
                    t.train((step, loss, ms) -> {
                        stepEnds[Math.min(step, steps)] = System.nanoTime();
                        trace.stepEnded(step);
                        long rss = ProcessMemory.rssMiB();
                        rssMax[0] = Math.max(rssMax[0], rss);
                        if (step == 1) {
                            firstStepMs[0] = ms;
                        }
                        if (step % every == 0 || step == steps) {
                            out.printf(Locale.ROOT, "step %d loss %.4f elapsed %d ms rss %d MiB%n", step, loss, ms, rss);
                        }
                    });
                    // checkWarmup leaves at least one timed step
                    double perStep = (stepEnds[steps] - stepEnds[warmup]) / 1e6 / (steps - warmup);
                    out.printf(Locale.ROOT, "bench train: model=%s resolution=%d batch=%d steps=%d warmup=%d mode=%s "
                                    + "ms_per_step=%.1f first_step_ms=%d rss_start_mib=%d rss_end_mib=%d rss_max_mib=%d%n",
                            model.getFileName(), size, batch, steps, warmup, mode.name().toLowerCase(Locale.ROOT),
                            perStep, firstStepMs[0], rssStart, ProcessMemory.rssMiB(), rssMax[0]);
                }
            }
            return 0;
        }
    }

    @Command(name = "sample", mixinStandardHelpOptions = true, description = "Milliseconds per denoising step.")
    public static final class Sample implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Diffusers-layout model folder.")
        Path model;
        @Option(names = "--steps", defaultValue = "20", description = "Denoising steps (default ${DEFAULT-VALUE}).")
        int steps;
        @Option(names = "--guidance", defaultValue = "7.5", description = "Guidance scale (default ${DEFAULT-VALUE}).")
        float guidance;
        @Option(names = "--batch", defaultValue = "1", description = "Images (default ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--precision", defaultValue = "fp32", description = "UNet precision: fp32 or fp16 (default ${DEFAULT-VALUE}).")
        String precision;
        @Mixin
        TimedSteps timed;

        @Override
        public Integer call() {
            DjlSetup.offline();
            int warmup = timed.warmup;
            checkWarmup(warmup, steps);
            try (NDManager m = ComputeDevice.newManager(); StableDiffusion sd = StableDiffusion.load(model, m);
                 EngineProfile trace = timed.trace(steps)) {
                long[] stamps = new long[steps + 1];
                long start = System.nanoTime();
                SampleRequest req = new SampleRequest(List.of("a photo of a dog on the beach")).steps(steps)
                        .guidance(guidance).seed(0).imagesPerPrompt(batch)
                        .precision(dev.cdiff.diffusion.pipelines.SamplingPrecision.parse(precision))
                        .listener((step, total) -> {
                            stamps[Math.min(step, steps)] = System.nanoTime();
                            trace.stepEnded(step);
                        });
                sd.generate(req);
                long end = System.nanoTime();
                // step 1 includes text encoding; time the steady state between the callbacks after the warm-up steps
                // and the last one
                double perStep = stamps[warmup] > 0 && stamps[steps] > 0
                        ? (stamps[steps] - stamps[warmup]) / 1e6 / (steps - warmup) : (end - start) / 1e6 / steps;
                System.out.printf(Locale.ROOT, "bench sample: model=%s steps=%d warmup=%d batch=%d guidance=%.1f "
                                + "precision=%s ms_per_step=%.1f total_ms=%.0f rss_mib=%d%n", model.getFileName(), steps,
                        warmup, batch, guidance, req.precision().id(), perStep,
                        (end - start) / 1e6, ProcessMemory.rssMiB());
            }
            return 0;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = "Closed-form merge on random weights of a model family's K/V shapes.")
    public static final class Merge implements Callable<Integer> {
        @Option(names = "--shapes", defaultValue = "sd15", description = "sd15 or tiny (default ${DEFAULT-VALUE}).")
        String shapes;
        @Option(names = "--concepts", defaultValue = "2", description = "Concepts (default ${DEFAULT-VALUE}).")
        int concepts;
        @Option(names = "--captions", defaultValue = "1000", description = "Regularization captions (default ${DEFAULT-VALUE}).")
        int captions;
        @Option(names = "--tokens", defaultValue = "77", description = "Tokens per caption (default ${DEFAULT-VALUE}).")
        int tokens;
        @Option(names = "--backend", defaultValue = "FLOAT32", description = "Gram-matrix backend: ${COMPLETION-CANDIDATES}.")
        RegularizationGram.Backend backend;
        @Option(names = "--runs", defaultValue = "3", description = "Timed runs after the warm-up (default ${DEFAULT-VALUE}); medians are printed, and every run.")
        int runs;
        // the reference script's one warm-up only loads its libraries; a JVM also compiles the merge's Java code
        // (solve, checks, cache I/O) over its first few merges, which a long-running merge service has done long before
        @Option(names = "--warmup", defaultValue = "3", description = "Untimed merges first (default ${DEFAULT-VALUE}); the first one's cold time is printed as first_cold_ms.")
        int warmup;
        @Option(names = "--service-warm-up", description = "First run the merging service's start-up warm-up on the "
                + "bench's base weights (printed as service_warm_up_ms), so first_cold_ms is a started service's "
                + "first merge.")
        boolean serviceWarmUp;

        @Override
        public Integer call() {
            DjlSetup.offline();
            MergeBenchmark.Result r = MergeBenchmark.run(MergeBenchmark.shapes(shapes), concepts, captions, tokens,
                    backend, 1234L, warmup, runs, serviceWarmUp);
            System.out.printf(Locale.ROOT, "bench merge: shapes=%s layers=%d width=%d concepts=%d captions=%d tokens=%d "
                            + "rows=%d backend=%s runs=%d gram_ms=%d solve_ms=%d layers_ms=%d cold_ms=%d warm_ms=%d "
                            + "max_constraint_err=%.2e rss_mib=%d warmup=%d first_cold_ms=%d cold_runs=%s warm_runs=%s "
                            + "warm_read_ms=%.3f warm_solve_ms=%.3f warm_layers_ms=%.3f layer_products=%s "
                            + "service_warm_up_ms=%d%n",
                    shapes, r.layers(), r.width(), concepts, captions, tokens, r.regularizationRows(),
                    backend.name().toLowerCase(Locale.ROOT), runs, r.gramMillis(), r.solveMillis(), r.layerMillis(),
                    r.coldMillis(), r.warmMillis(), r.maxConstraintError(), ProcessMemory.rssMiB(), warmup,
                    r.firstColdMillis(), runList(r.coldRuns()), runList(r.warmRuns()), r.warmParts().readMillis(),
                    r.warmParts().solveMillis(), r.warmParts().layerMillis(), MergeBenchmark.layerProducts(),
                    r.serviceWarmUpMillis());
            return 0;
        }
    }

    // the PyTorch baselines take the same option, so both sides can leave the same number of steps untimed
    static final String WARMUP_HELP = "Untimed first steps (default ${DEFAULT-VALUE}, as the PyTorch baseline's "
            + "--warmup). A JVM compiles the step's Java code over its first tens of steps; more warm-up steps on both "
            + "sides compare the steady states.";

    /** The options of both step benchmarks: the untimed first steps, and the engine's trace of the timed ones. */
    static final class TimedSteps {
        @Option(names = "--warmup", defaultValue = "1", description = WARMUP_HELP)
        int warmup;
        @Option(names = "--profile", description = PROFILE_HELP)
        Path profile;

        /** The recorder of the timed steps of a run of {@code steps}; inactive without {@code --profile}. */
        EngineProfile trace(int steps) {
            return new EngineProfile(profile, warmup, steps);
        }
    }

    static final String PROFILE_HELP = "Write the engine's own trace of every op of the timed steps (after --warmup, up "
            + "to the last step; not the final decode) to this file, in Chrome trace JSON (PyTorch's profiler format); "
            + "the steps run slower while traced.";

    private static void checkWarmup(int warmup, int steps) {
        if (warmup < 1 || warmup >= steps) {
            throw new CommandLine.ParameterException(new CommandLine(new BenchCommand()),
                    "--warmup must be at least 1 and below --steps (" + steps + "), got " + warmup);
        }
    }

    private static String runList(long[] runs) {
        return java.util.Arrays.stream(runs).mapToObj(Long::toString).collect(java.util.stream.Collectors.joining(","));
    }

    public static void main(String[] args) {
        DjlSetup.offline();
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }
}

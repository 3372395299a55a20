package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SamplingPrecision;
import dev.cdiff.diffusion.pipelines.SampleResult;
import dev.cdiff.diffusion.pipelines.SamplingPreset;
import dev.cdiff.diffusion.pipelines.StableDiffusion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sample PROMPT...}: text-to-image with a diffusers-layout model folder, written as PNGs. */
@Command(name = "sample", mixinStandardHelpOptions = true, description = "Generate images from text prompts.")
public final class SampleCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PROMPT", description = "One or more prompts.")
    List<String> prompts;

    @Option(names = "--model", required = true, description = "Diffusers-layout model folder.")
    Path model;

    @Option(names = "--preset", defaultValue = "paper", description = "paper (DDPM, 200 steps, guidance 6, eta 1 as the "
            + "paper and reference sample) or fast (DDIM, 50 steps, guidance 6, eta 0); the options below override "
            + "single values (default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--steps", description = "Denoising steps (default: the preset's).")
    Integer steps;

    @Option(names = "--guidance", description = "Classifier-free guidance scale (default: the preset's).")
    Float guidance;

    @Option(names = "--scheduler", description = "ddpm, ddim, dpm or pndm (default: the preset's).")
    String scheduler;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--negative", defaultValue = "", description = "Negative prompt.")
    String negative;

    @Option(names = "--eta", description = "DDIM eta (default: the preset's, 0; DDPM's noise already is eta 1's).")
    Float eta;

    @Option(names = "--images-per-prompt", defaultValue = "1", description = "Images per prompt (default ${DEFAULT-VALUE}).")
    int imagesPerPrompt;

    @Option(names = "--precision", defaultValue = "fp32", description = "UNet precision while denoising: fp32 or "
            + "fp16 (half the weight memory; bf16 is unavailable in this engine build) (default ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--half", description = "Same as --precision fp16.")
    boolean half;

    @Option(names = "--out", defaultValue = "samples", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        DjlSetup.offline();
        try (NDManager m = ComputeDevice.newManager(); StableDiffusion sd = StableDiffusion.load(model, m)) {
            SampleRequest req = request().listener((step, total) -> System.err.printf("\rstep %d/%d", step, total));
            long start = System.currentTimeMillis();
            SampleResult result = sd.generate(req);
            System.err.println();
            for (Path p : StableDiffusion.writePng(result, out, "sample")) {
                System.out.println(p);
            }
            System.err.printf("%d images in %.1f s%n", result.count(), (System.currentTimeMillis() - start) / 1000.0);
        }
        return 0;
    }

    SampleRequest request() {
        SampleRequest base = new SampleRequest(prompts).seed(seed).negativePrompt(negative).imagesPerPrompt(imagesPerPrompt);
        base.precision(half ? SamplingPrecision.FP16 : SamplingPrecision.parse(precision));
        return SamplingPreset.parse(preset).applyTo(base, scheduler, steps, guidance, eta);
    }

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new SampleCommand()).execute(args));
    }
}

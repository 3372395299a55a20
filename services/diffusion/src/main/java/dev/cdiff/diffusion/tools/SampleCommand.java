package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SampleResult;
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

    @Option(names = "--steps", defaultValue = "50", description = "Denoising steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "7.5", description = "Classifier-free guidance scale (default ${DEFAULT-VALUE}).")
    float guidance;

    @Option(names = "--scheduler", description = "ddpm, ddim, dpm or pndm (default: the model's scheduler).")
    String scheduler;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--negative", defaultValue = "", description = "Negative prompt.")
    String negative;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta (default ${DEFAULT-VALUE}).")
    float eta;

    @Option(names = "--images-per-prompt", defaultValue = "1", description = "Images per prompt (default ${DEFAULT-VALUE}).")
    int imagesPerPrompt;

    @Option(names = "--out", defaultValue = "samples", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        DjlSetup.offline();
        try (NDManager m = ComputeDevice.newManager(); StableDiffusion sd = StableDiffusion.load(model, m)) {
            SampleRequest req = new SampleRequest(prompts).steps(steps).guidance(guidance).scheduler(scheduler)
                    .seed(seed).negativePrompt(negative).eta(eta).imagesPerPrompt(imagesPerPrompt)
                    .listener((step, total) -> System.err.printf("\rstep %d/%d", step, total));
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

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new SampleCommand()).execute(args));
    }
}

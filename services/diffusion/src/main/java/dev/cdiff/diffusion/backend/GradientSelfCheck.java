package dev.cdiff.diffusion.backend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.golden.CaseResult;
import dev.cdiff.diffusion.golden.GoldenCases;
import dev.cdiff.diffusion.golden.TrainStepCaseRunner;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Proves, on the machine and settings at hand, that training gradients come out right before any training starts.
 *
 * <p>Floating-point kernels differ by CPU: oneDNN picks SSE4.1, AVX2 or AVX-512 code at run time, and a wrong kernel
 * on one of those paths silently yields wrong deltas while every test passes elsewhere (docs/djl-notes.md). So the
 * trainer first runs the committed Custom Diffusion reference step (loss, every attn2 K/V gradient, the new token's
 * gradient and one AdamW update, produced by diffusers on a tiny random SD-shaped model) and compares it with the
 * reference at the reference's own tolerance. The case and the model's UNet and text encoder are bundled in this jar
 * (copied by the build from the test reference set), so the check needs nothing from outside.
 */
public final class GradientSelfCheck {
    private static final String ROOT = "/dev/cdiff/diffusion/backend/selfcheck/";
    private static final String CASE = "custom_diffusion_step";
    private static final List<String> FILES = List.of("manifest.json", "cases/custom_diffusion_step.safetensors",
            "models/tiny-sd/model_index.json", "models/tiny-sd/scheduler/scheduler_config.json",
            "models/tiny-sd/text_encoder/config.json", "models/tiny-sd/text_encoder/model.safetensors",
            "models/tiny-sd/unet/config.json", "models/tiny-sd/unet/diffusion_pytorch_model.safetensors");
    /** Settings that select the kernels are fixed when the process starts, so one verdict per process suffices. */
    private static volatile Result cached;

    private GradientSelfCheck() {
    }

    /**
     * The verdict of the check.
     *
     * @param passed      every output within the reference's tolerance
     * @param maxAbsError largest |ours - reference| over all outputs
     * @param detail      the reference runner's description of the worst output
     * @param backend     the backend the check ran on
     * @param millis      wall time of the check
     */
    public record Result(boolean passed, double maxAbsError, String detail, BackendFingerprint backend, long millis) {
        public String summary() {
            return (passed ? "gradient self-check passed" : "gradient self-check FAILED") + " (max abs error "
                    + String.format("%.3g", maxAbsError) + ", " + millis + " ms) on " + backend.describe();
        }
    }

    /** Runs the check once per process and throws when it fails; returns the (cached) passing result. */
    public static Result requirePassing() {
        Result r = cached;
        if (r == null) {
            synchronized (GradientSelfCheck.class) {
                if (cached == null) {
                    cached = run();
                }
                r = cached;
            }
        }
        if (!r.passed()) {
            throw new BackendGradientException(r);
        }
        return r;
    }

    /** Runs the check now on the bundled reference step (no caching). */
    public static Result run() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("cdiff-selfcheck-");
            for (String f : FILES) {
                Path target = dir.resolve(f);
                Files.createDirectories(target.getParent());
                try (InputStream in = GradientSelfCheck.class.getResourceAsStream(ROOT + f)) {
                    if (in == null) {
                        throw new IllegalStateException("the gradient self-check resource " + ROOT + f
                                + " is missing from the build");
                    }
                    Files.copy(in, target);
                }
            }
            return run(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("gradient self-check could not unpack its reference case", e);
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    /** Runs the check on the train-step case of another reference set (a folder with {@code manifest.json}). */
    public static Result run(Path referenceSet) {
        long start = System.nanoTime();
        BackendFingerprint backend = BackendFingerprint.current();
        JsonNode spec = null;
        for (JsonNode c : GoldenCases.manifest(referenceSet).path("cases")) {
            if ("train_step".equals(c.path("kind").asText()) && (spec == null || CASE.equals(c.path("name").asText()))) {
                spec = c;
            }
        }
        if (spec == null) {
            throw new IllegalStateException("the reference set " + referenceSet + " has no train_step case");
        }
        CaseResult cr;
        try {
            cr = new TrainStepCaseRunner().run(spec, referenceSet);
        } catch (RuntimeException e) {
            // non-finite gradients surface as exceptions from the loss: a failed check, not a crash
            cr = new CaseResult(Double.NaN, false, String.valueOf(e.getMessage()));
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        return new Result(cr.passed(), cr.maxAbsErr(), cr.detail(), backend, ms);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp folder is harmless
        }
    }
}

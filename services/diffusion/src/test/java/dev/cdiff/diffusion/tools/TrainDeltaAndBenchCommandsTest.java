package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainDeltaAndBenchCommandsTest {
    @TempDir
    Path tmp;

    private static Path tinySd() {
        return GoldenFolder.tinySd();
    }

    private static String run(Object command, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        int code;
        try {
            code = new CommandLine(command).execute(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString();
        System.out.print(out);
        assertEquals(0, code, "exit code of " + List.of(args));
        return out;
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void benchMergePrintsFiguresLast() {
        String out = run(new BenchCommand(), "merge", "--shapes", "tiny", "--captions", "40", "--warmup", "2",
                "--runs", "4");
        String last = lastLine(out);
        assertTrue(last.startsWith("bench merge:") && last.contains("cold_ms=") && last.contains("warm_ms=")
                && last.contains("layers=12") && last.contains("warmup=2") && last.contains("first_cold_ms="), last);
        // every timed run is listed, so the spread behind each median can be read
        java.util.regex.Matcher runs = java.util.regex.Pattern.compile("(cold|warm)_runs=([0-9,]+)").matcher(last);
        int lists = 0;
        while (runs.find()) {
            assertEquals(4, runs.group(2).split(",").length, last);
            lists++;
        }
        assertEquals(2, lists, last);
        // the warm merge's parts are medians of their own, so they need not add up to warm_ms; each is real work
        for (String part : new String[] {"warm_read_ms", "warm_solve_ms", "warm_layers_ms"}) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(part + "=([0-9.]+)").matcher(last);
            assertTrue(m.find(), part + " missing: " + last);
            assertTrue(Double.parseDouble(m.group(1)) > 0, part + " is zero: " + last);
        }
        // the test JVM resolves jdk.incubator.vector and runs C2, so the vector kernel ran unless the CPU lacks
        // 256-bit vectors; either way the line names the code it measured
        assertTrue(last.contains("layer_products=" + dev.cdiff.diffusion.merge.MergeBenchmark.layerProducts()), last);
        assertTrue(last.endsWith("service_warm_up_ms=-1"), "no service warm-up unless asked: " + last);

        String warmed = lastLine(run(new BenchCommand(), "merge", "--shapes", "tiny", "--captions", "40", "--warmup",
                "1", "--runs", "1", "--service-warm-up"));
        java.util.regex.Matcher w = java.util.regex.Pattern.compile("service_warm_up_ms=([0-9]+)$").matcher(warmed);
        assertTrue(w.find(), "the service's warm-up ran and was timed: " + warmed);
    }

    @Test
    void benchSampleTimesOnlyTheStepsAfterItsWarmup() {
        Path tiny = Path.of("src/test/golden/models/tiny-sd");
        String last = lastLine(run(new BenchCommand(), "sample", "--model", tiny.toString(), "--steps", "4",
                "--warmup", "3"));
        assertTrue(last.startsWith("bench sample:") && last.contains("steps=4 warmup=3"), last);
        // as many untimed steps as steps would leave nothing to time: refused, not reported as a figure
        assertEquals(2, new CommandLine(new BenchCommand()).execute("sample", "--model", tiny.toString(),
                "--steps", "4", "--warmup", "4"));
    }

    @Test
    void benchProfileTracesTheTimedStepsForwardAndBackward() throws Exception {
        Path tiny = Path.of("src/test/golden/models/tiny-sd");
        Path trace = tmp.resolve("train-trace.json");
        String last = lastLine(run(new BenchCommand(), "train", "--model", tiny.toString(), "--steps", "3",
                "--warmup", "1", "--profile", trace.toString()));
        assertTrue(last.startsWith("bench train:"), last);
        java.util.Map<String, Integer> ops = opCounts(trace);
        // the UNet's convolutions and attention products, and the backward pass the engine ran for them
        assertTrue(ops.getOrDefault("aten::convolution", 0) > 0, ops.keySet().toString());
        assertTrue(ops.getOrDefault("aten::bmm", 0) > 0, ops.keySet().toString());
        assertTrue(ops.keySet().stream().anyMatch(n -> n.startsWith("autograd::engine::evaluate_function")),
                "no backward in the trace: " + ops.keySet());
        // two timed steps after one warm-up step, and two after two: the same work, so the warm-up steps are not in
        // either trace (with them, the counts would be 3 : 4 steps)
        Path later = tmp.resolve("train-trace-later.json");
        run(new BenchCommand(), "train", "--model", tiny.toString(), "--steps", "4", "--warmup", "2", "--profile",
                later.toString());
        assertEquals(ops.get("aten::convolution"), opCounts(later).get("aten::convolution"));

        // sampling: two and three timed steps; the counts are in the ratio 2 : 3 only if the trace stops at the last
        // denoising step, before the VAE decode
        Path twoSteps = tmp.resolve("sample-2.json");
        Path threeSteps = tmp.resolve("sample-3.json");
        run(new BenchCommand(), "sample", "--model", tiny.toString(), "--steps", "3", "--warmup", "1", "--profile",
                twoSteps.toString());
        run(new BenchCommand(), "sample", "--model", tiny.toString(), "--steps", "4", "--warmup", "1", "--profile",
                threeSteps.toString());
        java.util.Map<String, Integer> sampling = opCounts(twoSteps);
        assertTrue(sampling.getOrDefault("aten::convolution", 0) > 0, sampling.keySet().toString());
        assertEquals(3 * sampling.get("aten::convolution"), 2 * opCounts(threeSteps).get("aten::convolution"));
        assertTrue(sampling.keySet().stream().noneMatch(n -> n.startsWith("autograd::engine")),
                "sampling ran a backward pass: " + sampling.keySet());
    }

    private static java.util.Map<String, Integer> opCounts(Path trace) throws Exception {
        com.fasterxml.jackson.databind.JsonNode events = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(trace.toFile());
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (com.fasterxml.jackson.databind.JsonNode e : events) {
            counts.merge(e.path("name").asText(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void trainThenCompressExportImportAndInspect() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("imgs"));
        for (int i = 0; i < 2; i++) {
            var img = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
            var g = img.createGraphics();
            g.setColor(java.awt.Color.BLUE);
            g.fillRect(0, 0, 32, 32);
            g.setColor(java.awt.Color.RED);
            g.fillOval(6 + 3 * i, 8, 16, 16);
            g.dispose();
            javax.imageio.ImageIO.write(img, "png", images.resolve("img" + i + ".png").toFile());
        }
        Path delta = tmp.resolve("d.safetensors");
        Path ckpt = tmp.resolve("ckpt.safetensors");
        run(new TrainCommand(), "--model", tinySd().toString(), "--out", delta.toString(), "--instance-dir", images.toString(),
                "--instance-prompt", "photo of a <new1> dog", "--class-word", "dog", "--steps", "2", "--batch", "2",
                "--checkpoint", ckpt.toString());
        assertTrue(Files.isRegularFile(ckpt));
        assertEquals(DeltaKind.FULL, Delta.read(delta).kind());
        Path lr = tmp.resolve("lr.safetensors");
        run(new DeltaCommand(), "compress", "--model", tinySd().toString(), "--energy", "0.9", delta.toString(), lr.toString());
        assertEquals(DeltaKind.LOWRANK, Delta.read(lr).kind());
        Path dir = tmp.resolve("diffusers");
        run(new DeltaCommand(), "export-diffusers", "--model", tinySd().toString(), lr.toString(), dir.toString());
        assertTrue(Files.isRegularFile(dir.resolve("pytorch_custom_diffusion_weights.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("<new1>.safetensors")));
        Path back = tmp.resolve("back.safetensors");
        run(new DeltaCommand(), "import-diffusers", "--model", tinySd().toString(), dir.toString(), back.toString());
        String info = run(new DeltaCommand(), "info", back.toString());
        assertTrue(info.contains("token: <new1>") && info.contains("kind: full"), info);
    }
}

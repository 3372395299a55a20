package dev.cdiff.toyworld.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdiff.toyworld.metrics.PromptedImage;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report shows every measured table, links grids that exist, and judges the targets from the numbers. */
class EvalReportWriterTest {
    @TempDir
    Path dir;

    private static List<PromptedImage> images(int n) {
        List<PromptedImage> out = new ArrayList<>();
        ToyWorld world = ToyWorld.defaults();
        for (var s : world.samples(n, 1, Split.TRAIN)) out.add(new PromptedImage(s.caption(), s.image()));
        return out;
    }

    private static EvalResult result(double mergeBoth, double cdImage) {
        List<PromptedImage> imgs = images(4);
        return new EvalResult(EvalSettings.defaults(), "models/toy-base",
            List.of(new EvalResult.BaseAlignment("TRAIN", 4, 0.85, imgs), new EvalResult.BaseAlignment("HELD_OUT", 4, 0.7, imgs)),
            new EvalResult.VaeCeiling(0.9, 0.75, 0.6, imgs), new EvalResult.VaeCeiling(0.8, 0.5, 0.55, imgs),
            List.of(new EvalResult.SingleConcept("base (no training)", false, 0.6, 0.3, 0, 0.1, 0.9, 0, 0, 0, 0, Float.NaN, imgs, imgs),
                new EvalResult.SingleConcept("Custom Diffusion (K/V + token)", false, 0.85, cdImage, 0.5, 0.7, 0.88, 0.02, 67648, 273456, 30, 0.1, imgs, imgs),
                new EvalResult.SingleConcept("Custom Diffusion (K/V + token)", true, 0.86, cdImage, 0.5, 0.75, 0.89, 0.01, 67648, 273456, 40, 0.1, imgs, imgs),
                new EvalResult.SingleConcept("full UNet + token", false, 0.8, 0.9, 0.7, 0.9, 0.6, 0.3, 2380580, 9556344, 60, 0.1, imgs, imgs)),
            List.of(),
            List.of(new EvalResult.MultiConcept("joint training", 0.7, 0.8, 0.8, 0.1, 0.8, 50, imgs, null),
                new EvalResult.MultiConcept("closed-form merge", mergeBoth, 0.8, 0.7, 0.05, 0.8, 1, imgs, null)),
            List.of(new EvalResult.Compression(4, 0.1, 30000, 0.8, 0.4, 0.85, imgs)), 600);
    }

    @Test
    void writesMarkdownHtmlAndGridsWithTheMeasuredNumbers() throws Exception {
        Path md = EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval");
        String text = Files.readString(md);
        assertTrue(text.contains("|Custom Diffusion (K/V + token)|yes|0.860|0.820|0.50|0.75|0.890|0.010|67648|273456|40.0|0.100|"), text);
        assertTrue(text.contains("|closed-form merge|0.65|0.80|0.70|0.05|0.800|1.0|"), text);
        assertTrue(text.contains("|4|10.0%|30000|0.800|0.40|0.850|"), text);
        assertTrue(Files.exists(dir.resolve("toy-eval.html")));
        assertTrue(Files.readString(dir.resolve("toy-eval.html")).contains("&lt;new1&gt;"));
        for (String line : text.split("\n")) {
            if (line.startsWith("![")) {
                String rel = line.substring(line.indexOf("](") + 2, line.length() - 1);
                assertTrue(Files.size(dir.resolve(rel)) > 0, rel);
            }
        }
    }

    @Test
    void targetsAreJudgedFromTheNumbers() {
        List<List<String>> met = EvalReportWriter.targets(result(0.65, 0.82));
        List<List<String>> missed = EvalReportWriter.targets(result(0.5, 0.7));
        assertEquals("yes", find(met, "merge both").get(2));
        assertEquals("**no**", find(missed, "merge both").get(2));
        assertEquals("**no**", find(missed, "merge within").get(2));
        assertEquals("yes", find(met, "image alignment").get(2));
        assertEquals("**no**", find(missed, "image alignment").get(2));
        assertEquals("**no**", find(met, "(HELD_OUT)").get(2));
        assertEquals("yes", find(met, "forgetting").get(2));
    }

    private static List<String> find(List<List<String>> rows, String fragment) {
        return rows.stream().filter(r -> r.get(0).contains(fragment)).findFirst().orElseThrow(() -> new AssertionError(fragment));
    }
}

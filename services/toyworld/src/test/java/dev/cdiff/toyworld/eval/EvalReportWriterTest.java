package dev.cdiff.toyworld.eval;

import static dev.cdiff.toyworld.eval.HandBuiltResults.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report shows every measured table, links grids that exist, and judges the targets from the numbers. */
class EvalReportWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesMarkdownHtmlAndGridsWithTheMeasuredNumbers() throws Exception {
        Path md = EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval");
        String text = Files.readString(md);
        assertTrue(text.contains("|Custom Diffusion (K/V + token)|yes|0.860|0.820|0.50|0.75|0.890|0.010|67648|273456|40.0|0.100|"), text);
        assertTrue(text.contains("|closed-form merge|0.65|0.80|0.70|0.05|0.85|0.800|1.0|"), text);
        assertTrue(text.contains("|4|10.0%|30000|0.800|0.40|0.850|"), text);
        assertTrue(Files.exists(dir.resolve("toy-eval.html")));
        assertTrue(Files.exists(dir.resolve("toy-eval.json")));
        assertTrue(Files.size(dir.resolve("toy-eval").resolve(ReadmeEvidence.GRID_FILE)) > 0);
        assertTrue(Files.readString(dir.resolve("toy-eval.html")).contains("&lt;new1&gt;"));
        assertGridsExist(text);
    }

    @Test
    void ablationsAreComparedWithTheMainRunEachWithItsChangeAndGrid() throws Exception {
        String text = Files.readString(EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval"));
        String section = section(text, "## Ablations");
        List<String> rows = section.lines().filter(l -> l.startsWith("|Custom")).toList();
        assertEquals(List.of(
            "|Custom Diffusion (K/V + token)|yes|0.860|0.820|0.50|0.75|0.890|0.010|67648|273456|40.0|0.100|",
            "|Custom Diffusion (K/V + token), no modifier token|yes|0.850|0.310|0.50|0.70|0.880|0.020|67648|273456|30.0|0.100|",
            "|Custom Diffusion (K/V + token), generated reg images|yes|0.850|0.330|0.50|0.70|0.880|0.030|67648|273456|30.0|0.100|",
            "|Custom Diffusion (K/V + token), with augmentation|yes|0.850|0.290|0.50|0.70|0.880|0.040|67648|273456|30.0|0.100|"),
            rows);
        assertTrue(section.contains("*no modifier token*: the targets are captioned \"a circle\" instead of \"a `<new1>` circle\""), section);
        assertTrue(section.contains("*generated reg images*: the regularization images are sampled from the base model"), section);
        // the main runs have augmentation off (defaults), so the ablation switches it on
        assertTrue(section.contains("*with augmentation*: the paper's random shrink/zoom augmentation of the target images "
            + "is switched on relative to the main runs"), section);
        assertTrue(section.contains("](toy-eval/ablation-custom-diffusion-k-v-token-no-modifier-token.png)"), section);
        assertTrue(section.contains("](toy-eval/ablation-custom-diffusion-k-v-token-generated-reg-images.png)"), section);
        assertTrue(section.contains("](toy-eval/ablation-custom-diffusion-k-v-token-with-augmentation.png)"), section);
        assertGridsExist(text);
    }

    @Test
    void theTrajectoryListsEveryCheckpointAndSaysWhichIsTheTablesRun() throws Exception {
        String text = Files.readString(EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval"));
        String section = section(text, "## Training trajectory");
        assertTrue(section.contains("|step|image alignment|exact match|concept present|loss|"), section);
        assertTrue(section.contains("|50|0.500|0.00|0.00|0.600|"), section);
        assertTrue(section.contains("|100|0.810|0.25|0.13|0.400|"), section);
        assertTrue(section.contains("|200|0.790|0.10|0.10|0.450|"), section);
        assertTrue(section.contains("continued to 600 steps") && section.contains("the step-300 row is the table's run"),
            section);
        assertTrue(section.contains("The same run scored at 4 checkpoints to step 200: 0.500-0.810, >= 0.80 at 1 of them"
            + " (image alignment)."), section);
        assertTrue(section.contains("constant learning rate 0.003)"), section);
    }

    @Test
    void theSecondConceptHasItsOwnRowsAndGrids() throws Exception {
        String text = Files.readString(EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval"));
        String section = section(text, "## Second concept alone");
        assertTrue(section.contains("|Custom Diffusion (K/V + token)|yes|0.700|0.450|0.10|0.05|0.850|0.050|"), section);
        assertTrue(section.contains("|full UNet + token|yes|0.600|0.500|0.20|0.13|0.800|0.100|"), section);
        assertTrue(section.contains("presence threshold 0.550"), section);
        assertTrue(section.contains("](toy-eval/second-custom-diffusion-k-v-token-reg.png)"), section);
        assertTrue(section.contains("rows: \"a `<new2>` square\" / \"a large `<new2>` square\""), section);
        assertGridsExist(text);
    }

    @Test
    void everyTableRowHasAsManyCellsAsItsHeader() throws Exception {
        String text = Files.readString(EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval"));
        long header = -1;
        int tables = 0;
        for (String line : text.split("\n")) {
            if (!line.startsWith("|")) {
                header = -1;
                continue;
            }
            long cells = line.chars().filter(c -> c == '|').count();
            if (header < 0) {
                header = cells;
                tables++;
            }
            assertEquals(header, cells, line);
        }
        // base, single, ablations, trajectory, second concept, multi, 2 merge diagnostics, merge vs joint, compression,
        // targets
        assertEquals(11, tables);
    }

    @Test
    void noAblationsNoSection() throws Exception {
        String text = Files.readString(EvalReportWriter.write(result(0.65, 0.82, List.of()), dir.resolve("toy-eval.md"), "cdiff eval"));
        assertFalse(text.contains("Ablations"), text);
        assertTrue(text.contains("## Multi-concept"), text);
    }

    @Test
    void multiConceptTableStartsWithItsTwoCeilings() throws Exception {
        String text = Files.readString(EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval"));
        String multi = section(text, "## Multi-concept");
        assertTrue(multi.contains("|method|both present|`<new1>` present|`<new2>` present|both exact|both shapes|text alignment|seconds|"), multi);
        // what the frozen VAE lets through of real scenes, then what the base model composes, then the methods
        int ceiling = multi.indexOf("|" + ToyEvaluation.PAIR_CEILING_LABEL + "|0.45|0.75|0.60|0.30|1.00|0.900|0.0|");
        int base = multi.indexOf("|" + ToyEvaluation.BASE_COMPOSITION_LABEL + "|0.00|0.00|0.00|0.00|0.75|0.700|0.0|");
        int joint = multi.indexOf("|joint training|0.70|0.80|0.80|0.10|0.90|0.800|50.0|");
        assertTrue(ceiling >= 0 && base > ceiling && joint > base, multi);
        assertTrue(multi.contains(ToyEvaluation.PAIR_CEILING_LABEL + " (4 rendered scenes, not prompted samples)"), multi);
    }

    @Test
    void mergeDiagnosticsPerLayerAndPresenceAgainstJoint() throws Exception {
        String text = Files.readString(EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval"));
        String corpus = section(text, "## Merge diagnostics: closed-form merge\n");
        assertTrue(corpus.contains("|layer|rows×cols|residual `<new1>` circle|residual `<new2>` square|regularization drift|relative change|"), corpus);
        assertTrue(corpus.contains("|`down.0.attn2.to_k`|64×64|1.50e-04|2.50e-03|0.0125|0.0210|"), corpus);
        assertTrue(corpus.contains("|`down.0.attn2.to_v`|64×64|1.25e-01|–|0.0375|0.0340|"), corpus);
        assertTrue(corpus.contains("Worst constraint residual per concept: `<new1>` circle 1.25e-01 (`down.0.attn2.to_v`), "
            + "`<new2>` square 2.50e-03 (`down.0.attn2.to_k`); max regularization drift 0.0375 over 2 layers"), corpus);
        String template = section(text, "## Merge diagnostics: closed-form merge, template captions");
        assertTrue(template.contains("`<new1>` circle 5.00e-01 (`down.0.attn2.to_v`)"), template);

        String presence = section(text, "## Per-concept presence, merge vs joint");
        assertTrue(presence.contains("|joint training|0.80|0.80|0.70|–|–|–|"), presence);
        assertTrue(presence.contains("|closed-form merge|0.80|0.70|0.65|+0.00|-0.10|-0.05|"), presence);
        assertTrue(presence.contains("|closed-form merge, template captions|0.90|0.45|0.40|+0.10|-0.35|-0.30|"), presence);
        assertFalse(presence.contains("single model"), presence);
    }

    @Test
    void targetsAreJudgedFromTheNumbers() {
        List<List<String>> met = EvalReportWriter.targets(result(0.65, 0.82));
        List<List<String>> missed = EvalReportWriter.targets(result(0.5, 0.7));
        assertEquals(Headlines.all(result(0.65, 0.82)).size(), met.size());
        assertEquals("yes", find(met, "closed-form merge both present").get(2));
        assertEquals("**no**", find(missed, "closed-form merge both present").get(2));
        assertEquals("**no**", find(missed, "vs joint training, absolute difference").get(2));
        assertEquals("0.200 (merge 0.50 vs joint 0.70)", find(missed, "vs joint training, absolute difference").get(1));
        assertEquals("yes", find(met, "Custom Diffusion + reg image alignment, single concept").get(2));
        assertEquals("**no**", find(missed, "Custom Diffusion + reg image alignment, single concept").get(2));
        assertEquals("**no**", find(met, "HELD_OUT captions").get(2));
        assertEquals("yes", find(met, "TRAIN captions").get(2));
        assertEquals("yes", find(met, "forgetting").get(2));
    }

    private void assertGridsExist(String markdown) throws Exception {
        for (String line : markdown.split("\n")) {
            if (line.startsWith("![")) {
                String rel = line.substring(line.indexOf("](") + 2, line.length() - 1);
                assertTrue(Files.size(dir.resolve(rel)) > 0, rel);
            }
        }
    }

    private String section(String markdown, String heading) {
        int start = markdown.indexOf(heading);
        assertTrue(start >= 0, heading + " missing in\n" + markdown);
        int end = markdown.indexOf("\n## ", start + 1);
        return markdown.substring(start, end < 0 ? markdown.length() : end);
    }

    private static List<String> find(List<List<String>> rows, String fragment) {
        return rows.stream().filter(r -> r.get(0).contains(fragment)).findFirst().orElseThrow(() -> new AssertionError(fragment));
    }
}

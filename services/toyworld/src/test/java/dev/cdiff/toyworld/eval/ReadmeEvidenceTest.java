package dev.cdiff.toyworld.eval;

import static dev.cdiff.toyworld.eval.HandBuiltResults.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's evidence: one grid of base / Custom Diffusion + reg / merge, the headline numbers, and its markers. */
class ReadmeEvidenceTest {
    @TempDir
    Path dir;

    @Test
    void gridHasOneRowPerMethodAndOneColumnPerPrompt() throws Exception {
        EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval");
        BufferedImage grid = ImageIO.read(dir.resolve("toy-eval").resolve(ReadmeEvidence.GRID_FILE).toFile());
        // 32 px images at scale 3 with 2 px gaps: 4 concept prompts wide, base / CD + reg / merge high
        assertEquals(4 * (96 + 2) + 2, grid.getWidth());
        assertEquals(3 * (96 + 2) + 2, grid.getHeight());
        // the merge row has 2 composition prompts: its last two cells are background
        assertEquals(0xffffff, grid.getRGB(2 + 3 * 98 + 48, 2 + 2 * 98 + 48) & 0xffffff);
    }

    @Test
    void markdownShowsGridPromptsAndEachHeadlineAgainstItsTarget() {
        String md = ReadmeEvidence.markdown(result(0.65, 0.82), "docs/toy-eval.md");
        assertTrue(md.startsWith("![Toy world, one sample per prompt; rows: base (no training) / Custom Diffusion (K/V + token) + reg"
            + " / closed-form merge of new1 and new2](docs/toy-eval/readme-grid.png)"), md);
        assertTrue(md.contains("- base (no training): \"a `<new1>` circle\" / \"a `<new1>` circle on a blue background\" / "
            + "\"a large `<new1>` circle\" / \"a `<new1>` circle on the left\"\n"), md);
        assertTrue(md.contains("- closed-form merge of `<new1>` and `<new2>`: \"a `<new1>` circle and a `<new2>` square\" / "
            + "\"a `<new1>` circle on the left and a `<new2>` square on the right\"\n"), md);
        assertTrue(md.contains("[docs/toy-eval.json](docs/toy-eval.json)"), md);
        assertTrue(md.contains("- base model text alignment on unseen HELD_OUT captions: [0.700](docs/toy-eval.md) "
            + "(target >= 0.8) — **missed** ([why](docs/toy-eval.md#why-the-missed-targets-are-missed)); 4 prompts\n"),
            md);
        assertTrue(md.contains("- closed-form merge vs joint training, absolute difference in both present: [0.050](docs/toy-eval.md) "
            + "(target <= 0.1) — met; merge 0.65 vs joint 0.70\n"), md);
        assertEquals(Headlines.of(result(0.65, 0.82)).size(), md.lines().filter(l -> l.contains("(target ")).count());
    }

    @Test
    void markersEncloseTheReplacedTextAndNothingElseChanges() throws Exception {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, "# Project\n\nintro\n\n### Evidence\n\n" + ReadmeMarkers.BEGIN + "\nold placeholder\n"
            + ReadmeMarkers.END + "\n\n## Next\n\ntext\n");
        ReadmeMarkers.replaceIn(readme, "new evidence\n");
        assertEquals("# Project\n\nintro\n\n### Evidence\n\n" + ReadmeMarkers.BEGIN + "\nnew evidence\n"
            + ReadmeMarkers.END + "\n\n## Next\n\ntext\n", Files.readString(readme));
        // a second run replaces its own output
        ReadmeMarkers.replaceIn(readme, ReadmeEvidence.markdown(result(0.65, 0.82), "docs/toy-eval.md"));
        ReadmeMarkers.replaceIn(readme, "again");
        assertEquals("# Project\n\nintro\n\n### Evidence\n\n" + ReadmeMarkers.BEGIN + "\nagain\n"
            + ReadmeMarkers.END + "\n\n## Next\n\ntext\n", Files.readString(readme));
    }

    @Test
    void missingMisplacedOrRepeatedMarkersFailClearlyAndLeaveTheFile() throws Exception {
        Path readme = dir.resolve("README.md");
        for (String text : new String[] {"no markers\n", ReadmeMarkers.BEGIN + "\nonly begin\n",
                ReadmeMarkers.END + "\n" + ReadmeMarkers.BEGIN + "\n",
                ReadmeMarkers.BEGIN + ReadmeMarkers.END + ReadmeMarkers.BEGIN + ReadmeMarkers.END}) {
            Files.writeString(readme, text);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReadmeMarkers.check(readme));
            assertTrue(e.getMessage().contains("toy-eval:"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ReadmeMarkers.replaceIn(readme, "x"));
            assertEquals(text, Files.readString(readme));
        }
        assertThrows(IllegalArgumentException.class, () -> ReadmeMarkers.check(dir.resolve("absent.md")));
    }

    @Test
    void evalRefusesAReadmeWithoutMarkersBeforeRunning() throws Exception {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, "# no markers\n");
        EvalCommand eval = new EvalCommand();
        new picocli.CommandLine(eval).parseArgs("--model", dir.resolve("no-model").toString(), "--readme", readme.toString(),
            "--out", dir.resolve("toy-eval.md").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, eval::call);
        assertTrue(e.getMessage().contains(ReadmeMarkers.BEGIN), e.getMessage());
        assertEquals("# no markers\n", Files.readString(readme));
    }

    @Test
    void theRepositoryReadmeHasTheMarkers() throws Exception {
        Path readme = Path.of("../../README.md");
        ReadmeMarkers.check(readme);
    }

    @Test
    void reportLinkIsRelativeToTheReadmeFolder() {
        assertEquals("docs/toy-eval.md", EvalCommand.linkFrom(dir.resolve("README.md"), dir.resolve("docs/toy-eval.md")));
        assertEquals("../docs/x.md", EvalCommand.linkFrom(dir.resolve("sub/README.md"), dir.resolve("docs/x.md")));
    }
}

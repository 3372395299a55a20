package dev.cdiff.diffusion.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.golden.CaseResult;
import dev.cdiff.diffusion.golden.ToleranceCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoldenCheckCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A manifest in tmp whose models point at the shared tiny-sd folder, with the given cases. */
    private Path manifest(ObjectNode... cases) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("models").putObject("tiny-sd")
                .put("path", GoldenFolder.configured().resolve("models/tiny-sd").toAbsolutePath().toString());
        ArrayNode arr = root.putArray("cases");
        for (ObjectNode c : cases) {
            arr.add(c);
        }
        JSON.writeValue(tmp.resolve("manifest.json").toFile(), root);
        return tmp;
    }

    private static ObjectNode tokenizerCase(String name, String text, int... ids) {
        ObjectNode c = JSON.createObjectNode().put("name", name).put("kind", "tokenizer").put("model", "tiny-sd")
                .put("max_length", 77);
        ObjectNode ex = c.putArray("examples").addObject().put("text", text);
        ArrayNode idArr = ex.putArray("input_ids");
        for (int i = 0; i < 77; i++) {
            idArr.add(i < ids.length ? ids[i] : 817);
        }
        return c;
    }

    private static int run(Path dir, StringBuilder output) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = new CommandLine(new GoldenCheckCommand(new PrintStream(bytes, true, StandardCharsets.UTF_8)))
                .execute(dir.toString());
        output.append(bytes.toString(StandardCharsets.UTF_8));
        return code;
    }

    @Test
    void passingCasesExitZeroAndPrintOneLineEach() throws Exception {
        StringBuilder out = new StringBuilder();
        int code = run(manifest(tokenizerCase("tok_ok", "a photo of a dog", 816, 320, 726, 718, 320, 676, 817)), out);
        assertEquals(0, code, out.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.startsWith("tok_ok") && l.contains("tokenizer")
                && l.contains("PASS")), out.toString());
    }

    @Test
    void wrongOutputOrUnknownKindFails() throws Exception {
        ObjectNode unknown = JSON.createObjectNode().put("name", "mystery").put("kind", "teleport");
        StringBuilder out = new StringBuilder();
        int code = run(manifest(tokenizerCase("tok_bad", "a photo of a dog", 816, 320, 726, 718, 320, 677, 817),
                unknown), out);
        assertEquals(1, code);
        String text = out.toString();
        assertTrue(text.lines().anyMatch(l -> l.startsWith("tok_bad") && l.contains("FAIL")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("mystery") && l.contains("FAIL")
                && l.contains("cannot run")), text);
    }

    @Test
    void toleranceRuleIsAbsolutePlusRelative() {
        ToleranceCheck c = new ToleranceCheck(1e-3, 1e-2);
        c.check("ok", new float[] {10.09f, 0.0009f}, new float[] {10f, 0f});
        assertTrue(c.result().passed());
        c.check("bad", new float[] {10.2f}, new float[] {10f});
        CaseResult r = c.result();
        assertFalse(r.passed());
        assertEquals(0.2, r.maxAbsErr(), 1e-5);
        ToleranceCheck nan = new ToleranceCheck(1, 1);
        nan.check("nan", new float[] {Float.NaN}, new float[] {0f});
        assertFalse(nan.result().passed());
    }
}

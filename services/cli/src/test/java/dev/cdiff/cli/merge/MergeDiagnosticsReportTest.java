package dev.cdiff.cli.merge;

import dev.cdiff.diffusion.merge.MergeDiagnostics;
import dev.cdiff.platform.diagnostics.MergeDiagnosticsTable;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeDiagnosticsReportTest {

    /** The core writes the JSON, the shared table reads it: the two agree on its fields. */
    @Test
    void printsOneRowPerLayerAndTheWorstLayerOfEachConcept() {
        MergeDiagnostics d = new MergeDiagnostics(1, List.of("<new1> circle", "<new2> square"), 300, List.of(
                new MergeDiagnostics.Layer("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", 4, 8,
                        0.5, 0.1, 0.02, List.of(1e-8, 0.25)),
                new MergeDiagnostics.Layer("mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight", 4, 8,
                        0.7, 0.2, 0.04, List.of(3e-8, 0.01))));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MergeDiagnosticsReport.print(MergeDiagnosticsTable.parse(d.toJson()), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("down0.a0.t0.k") && text.contains("mid.a0.t0.v"), text);
        assertTrue(text.contains("c1 <new1> circle: worst residual 3.00e-08 at mid.a0.t0.v"), text);
        assertTrue(text.contains("c2 <new2> square: worst residual 2.50e-01 at down0.a0.t0.k"), text);
        assertTrue(text.contains("max regularization drift 0.0400 at mid.a0.t0.v"), text);
    }

    @Test
    void shortensDiffusersLayerNames() {
        assertEquals("up1.a2.t0.v",
                MergeDiagnosticsTable.shortName("up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_v.weight"));
    }
}

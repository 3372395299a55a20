package dev.cdiff.platform.diagnostics;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MergeDiagnosticsTableTest {
    private static final String K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";
    private static final String V = "mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight";

    private static byte[] json(String layers) {
        return ("{\"version\":1,\"concepts\":[\"<new1> circle\",\"<new2> square\"],\"regularizationRows\":300,"
                + "\"layers\":[" + layers + "]}").getBytes(StandardCharsets.UTF_8);
    }

    private static String layer(String name, double drift, String residuals) {
        return "{\"layer\":\"" + name + "\",\"rows\":4,\"cols\":8,\"changeNorm\":0.5,\"relativeChange\":0.1,"
                + "\"regularizationDrift\":" + drift + ",\"constraintResidual\":[" + residuals + "]}";
    }

    @Test
    void laysOutOneRowPerLayerWithTheWorstLayerOfEachConceptAndTheLargestDrift() {
        MergeDiagnosticsTable t = MergeDiagnosticsTable.parse(json(layer(K, 0.02, "1e-8,0.25") + ","
                + layer(V, 0.04, "3e-8,0.01")));
        assertEquals(List.of("layer", "|dW|", "|dW|/|W0|", "drift", "res c1", "res c2"), t.header());
        assertEquals(List.of("down0.a0.t0.k", "0.500", "0.100", "0.0200", "1.00e-08", "2.50e-01"),
                t.rows().get(0).cells());
        assertEquals(new MergeDiagnosticsTable.Worst(0, "<new1> circle", V, 3e-8), t.worst(0));
        assertEquals(new MergeDiagnosticsTable.Worst(1, "<new2> square", K, 0.25), t.worst(1));
        assertEquals(V, t.maxDrift().orElseThrow().layer());
        assertEquals(300, t.regularizationRows());
    }

    @Test
    void refusesArtifactsThatAreNotDiagnostics() {
        assertThrows(IllegalArgumentException.class, () -> MergeDiagnosticsTable.parse("{\"job\":\"x\"}".getBytes()));
        assertThrows(IllegalArgumentException.class, () -> MergeDiagnosticsTable.parse("not json".getBytes()));
        assertThrows(IllegalArgumentException.class,
                () -> MergeDiagnosticsTable.parse(json(layer(K, 0.02, "1e-8"))), "one residual for two concepts");
        assertThrows(IllegalArgumentException.class,
                () -> MergeDiagnosticsTable.parse(json(layer(K, 0.02, "\"x\",0.1"))), "a residual that is text");
        assertThrows(IllegalArgumentException.class,
                () -> MergeDiagnosticsTable.parse(new byte[(int) MergeDiagnosticsTable.MAX_BYTES + 1]));
    }
}

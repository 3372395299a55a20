package dev.cdiff.gateway.console;

import dev.cdiff.platform.diagnostics.MergeDiagnosticsTable;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeDiagnosticsHtmlTest {

    /** Concept labels and layer names come from a tenant's tokens and a stored file: markup in them stays text. */
    @Test
    void labelsAndLayerNamesFromTheArtifactAreEscaped() {
        String json = "{\"version\":1,\"concepts\":[\"<img src=x onerror=alert(1)> dog\"],\"regularizationRows\":3,"
                + "\"layers\":[{\"layer\":\"\\\"><script>alert(2)</script>\",\"changeNorm\":1.5,"
                + "\"relativeChange\":0.25,\"regularizationDrift\":0.125,\"constraintResidual\":[0.5]}]}";
        String html = ConsolePages.diagnosticsHtml(MergeDiagnosticsTable.parse(json.getBytes(StandardCharsets.UTF_8)));
        assertFalse(html.contains("<script") || html.contains("<img"), html);
        assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt; dog"), html);
        assertTrue(html.contains("<td class=\"num\">5.00e-01</td>"), html);
    }
}

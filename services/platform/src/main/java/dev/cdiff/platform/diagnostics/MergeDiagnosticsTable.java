package dev.cdiff.platform.diagnostics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A merge-diagnostics artifact read as plain JSON and laid out as one table, so the command line and the web console
 * show the same rows with the same numbers. It follows the fields the core's {@code MergeDiagnostics} writes
 * ({@code version}, {@code concepts}, {@code regularizationRows}, {@code layers[]} of {@code layer},
 * {@code changeNorm}, {@code relativeChange}, {@code regularizationDrift}, {@code constraintResidual[]}); the
 * meaning of the numbers is documented there. Platform reads only the JSON: it knows no ML.
 * The artifact is read from storage, so every field is checked as hostile input.
 */
public record MergeDiagnosticsTable(List<String> concepts, long regularizationRows, List<Row> rows) {
    /** Larger than any real merge's diagnostics (a few hundred layers); a bigger artifact is not shown. */
    public static final long MAX_BYTES = 256 * 1024;
    private static final int MAX_CONCEPTS = 64;
    private static final int MAX_LAYERS = 2048;
    private static final int MAX_TEXT = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    public MergeDiagnosticsTable {
        concepts = List.copyOf(concepts);
        rows = List.copyOf(rows);
    }

    /** One layer: its full name and numbers, {@code residuals} aligned with the concepts. */
    public record Row(String layer, double changeNorm, double relativeChange, double drift, List<Double> residuals) {
        public Row {
            residuals = List.copyOf(residuals);
        }

        public String shortLayer() {
            return shortName(layer);
        }

        /** The row's cells in {@link #header()} order, numbers formatted. */
        public List<String> cells() {
            List<String> cells = new ArrayList<>(List.of(shortLayer(), number(changeNorm), number(relativeChange),
                    number(drift)));
            residuals.forEach(r -> cells.add(residual(r)));
            return cells;
        }
    }

    /** Concept {@code index}'s largest residual over the layers; {@code layer} empty when no layer holds any. */
    public record Worst(int index, String concept, String layer, double residual) {
        /** {@code c1}, {@code c2}, ...: the concept's column in the table. */
        public String column() {
            return "c" + (index + 1);
        }
    }

    public static MergeDiagnosticsTable parse(byte[] json) {
        if (json.length > MAX_BYTES) {
            throw new IllegalArgumentException("merge diagnostics of " + json.length + " bytes exceed " + MAX_BYTES);
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("merge diagnostics are not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || root.path("version").asInt(-1) != 1) {
            throw new IllegalArgumentException("merge diagnostics are not a version 1 object");
        }
        List<String> concepts = new ArrayList<>();
        for (JsonNode c : array(root, "concepts", MAX_CONCEPTS)) {
            concepts.add(text(c, "a concept"));
        }
        JsonNode regRows = root.path("regularizationRows");
        if (!regRows.canConvertToLong() || regRows.asLong() < 0) {
            throw new IllegalArgumentException("regularizationRows must be a count");
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode l : array(root, "layers", MAX_LAYERS)) {
            String layer = text(l.path("layer"), "a layer name");
            List<Double> residuals = new ArrayList<>();
            for (JsonNode r : array(l, "constraintResidual", MAX_CONCEPTS)) {
                residuals.add(finite(r, layer + " residual"));
            }
            if (residuals.size() != concepts.size()) {
                throw new IllegalArgumentException("layer " + layer + " has " + residuals.size() + " residuals for "
                        + concepts.size() + " concepts");
            }
            rows.add(new Row(layer, finite(l.path("changeNorm"), layer + " changeNorm"),
                    finite(l.path("relativeChange"), layer + " relativeChange"),
                    finite(l.path("regularizationDrift"), layer + " regularizationDrift"), residuals));
        }
        return new MergeDiagnosticsTable(concepts, regRows.asLong(), rows);
    }

    /** Column titles: layer, |dW|, |dW|/|W0|, drift, then one residual column per concept (res c1, res c2, ...). */
    public List<String> header() {
        List<String> header = new ArrayList<>(List.of("layer", "|dW|", "|dW|/|W0|", "drift"));
        for (int k = 0; k < concepts.size(); k++) {
            header.add("res c" + (k + 1));
        }
        return header;
    }

    public Worst worst(int k) {
        Worst worst = new Worst(k, concepts.get(k), "", 0);
        for (Row r : rows) {
            if (r.residuals().get(k) > worst.residual()) {
                worst = new Worst(k, concepts.get(k), r.layer(), r.residuals().get(k));
            }
        }
        return worst;
    }

    public List<Worst> worstPerConcept() {
        List<Worst> all = new ArrayList<>();
        for (int k = 0; k < concepts.size(); k++) {
            all.add(worst(k));
        }
        return all;
    }

    /** The layer the merge moved most on the regularization captions. */
    public Optional<Row> maxDrift() {
        return rows.stream().max(Comparator.comparingDouble(Row::drift));
    }

    /** Change norms and drift: three significant digits. */
    public static String number(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** Residuals span many orders of magnitude (1e-8 kept, 0.3 forgotten), so always in exponent form. */
    public static String residual(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }

    /** {@code down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight} -> {@code down1.a0.t0.k}. */
    public static String shortName(String layer) {
        return layer.replace("_blocks.", "").replace("mid_block.", "mid.").replace("attentions.", "a")
                .replace("transformer", "t").replace(".attn2.to_", ".").replace(".weight", "");
    }

    private static JsonNode array(JsonNode parent, String field, int max) {
        JsonNode a = parent.path(field);
        if (!a.isArray() || a.size() > max) {
            throw new IllegalArgumentException(field + " must be an array of at most " + max);
        }
        return a;
    }

    private static String text(JsonNode n, String what) {
        if (!n.isTextual() || n.asText().isEmpty() || n.asText().length() > MAX_TEXT) {
            throw new IllegalArgumentException(what + " must be text of 1 to " + MAX_TEXT + " characters");
        }
        return n.asText();
    }

    private static double finite(JsonNode n, String what) {
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new IllegalArgumentException(what + " must be a finite number");
        }
        return n.asDouble();
    }
}

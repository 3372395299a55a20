package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.backend.ComputeDevice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ejml.data.DMatrixRMaj;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How well a closed-form merge kept what it promised, per cross-attention K/V layer. A merged model that "forgets"
 * one concept shows it here as a large constraint residual of that concept, before anyone samples.
 * <ul>
 *   <li>{@code constraintResidual[k]}: ‖C_k W^T − C_k W_k^T‖_F / ‖C_k W_k^T‖_F over concept k's target rows C_k, W
 *       the merged layer and W_k the concept's own fine-tuned layer (≈0 when the merge reproduces the concept).</li>
 *   <li>{@code changeNorm}: ‖W − W_0‖_F, and {@code relativeChange} the same over ‖W_0‖_F.</li>
 *   <li>{@code regularizationDrift}: ‖(W − W_0) C_reg^T‖_F / ‖W_0 C_reg^T‖_F, the square root of the paper's
 *       objective term relative to the base outputs; computed from the Gram C_reg^T C_reg as
 *       sqrt(tr(ΔW G ΔW^T) / tr(W_0 G W_0^T)), so the caption features need not be kept.</li>
 * </ul>
 * Presence of each concept in merged vs single-concept samples is not part of this class: it needs a sampler and a
 * detector, which the core's merge does not have.
 *
 * @param concepts one label per merged delta (its tokens and class words), in merge order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"version", "concepts", "regularizationRows", "layers"})
public record MergeDiagnostics(int version, List<String> concepts, long regularizationRows, List<Layer> layers) {
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    public MergeDiagnostics {
        concepts = List.copyOf(concepts);
        layers = List.copyOf(layers);
    }

    @JsonPropertyOrder({"layer", "rows", "cols", "changeNorm", "relativeChange", "regularizationDrift",
        "constraintResidual"})
    public record Layer(String layer, int rows, int cols, double changeNorm, double relativeChange,
                        double regularizationDrift, List<Double> constraintResidual) {
        public Layer {
            constraintResidual = List.copyOf(constraintResidual);
        }
    }

    /**
     * @param concepts      label per delta
     * @param base          W_0 per layer key, row-major {@code rows x width}
     * @param merged        merged W per layer key (the layers to report)
     * @param perConcept    per delta, its materialised fine-tuned layers (a layer it does not change is W_0)
     * @param width         the text feature width d
     * @param targets       target feature rows C ({@code m x width})
     * @param targetConcept the delta owning each target row
     * @param regGram       C_reg^T C_reg ({@code width x width})
     */
    public static MergeDiagnostics compute(List<String> concepts, Map<String, float[]> base, Map<String, float[]> merged,
                                           List<Map<String, float[]>> perConcept, int width, DMatrixRMaj targets,
                                           int[] targetConcept, DMatrixRMaj regGram, long regularizationRows) {
        if (perConcept.size() != concepts.size()) {
            throw new IllegalArgumentException(concepts.size() + " concept labels for " + perConcept.size()
                    + " deltas");
        }
        if (targets.numCols != width || regGram.numRows != width || regGram.numCols != width
                || targetConcept.length != targets.numRows) {
            throw new IllegalArgumentException("targets " + targets.numRows + "x" + targets.numCols + ", owners "
                    + targetConcept.length + ", Gram " + regGram.numRows + "x" + regGram.numCols
                    + " do not fit width " + width);
        }
        List<Layer> layers = new ArrayList<>();
        try (NDManager nd = ComputeDevice.newManager()) {
            NDArray gram = nd.create(regGram.data, new Shape(width, width));
            List<NDArray> conceptRows = new ArrayList<>();
            for (int k = 0; k < concepts.size(); k++) {
                conceptRows.add(rowsOf(nd, targets, targetConcept, k));
            }
            for (Map.Entry<String, float[]> entry : merged.entrySet()) {
                try (NDManager layer = nd.newSubManager()) {
                    float[] w0Flat = base.get(entry.getKey());
                    if (w0Flat == null || w0Flat.length != entry.getValue().length || w0Flat.length % width != 0) {
                        throw new IllegalArgumentException("layer " + entry.getKey()
                                + " has no base weight of the merged shape");
                    }
                    int rows = w0Flat.length / width;
                    Shape shape = new Shape(rows, width);
                    NDArray w0 = layer.create(w0Flat, shape).toType(DataType.FLOAT64, false);
                    NDArray w = layer.create(entry.getValue(), shape).toType(DataType.FLOAT64, false);
                    NDArray change = w.sub(w0);
                    double changeNorm = frobenius(change);
                    double baseNorm = frobenius(w0);
                    double driftNum = change.matMul(gram).mul(change).sum().getDouble();
                    double driftDen = w0.matMul(gram).mul(w0).sum().getDouble();
                    List<Double> residuals = new ArrayList<>();
                    for (int k = 0; k < concepts.size(); k++) {
                        NDArray ck = conceptRows.get(k);
                        if (ck == null) {
                            residuals.add(0.0);
                            continue;
                        }
                        float[] own = perConcept.get(k).getOrDefault(entry.getKey(), w0Flat);
                        NDArray wk = layer.create(own, shape).toType(DataType.FLOAT64, false);
                        NDArray wanted = ck.matMul(wk.transpose());
                        NDArray got = ck.matMul(w.transpose());
                        residuals.add(ratio(frobenius(got.sub(wanted)), frobenius(wanted)));
                    }
                    layers.add(new Layer(entry.getKey(), rows, width, changeNorm, ratio(changeNorm, baseNorm),
                            ratio(Math.sqrt(Math.max(0, driftNum)), Math.sqrt(Math.max(0, driftDen))), residuals));
                }
            }
        }
        return new MergeDiagnostics(VERSION, concepts, regularizationRows, layers);
    }

    /** The largest constraint residual of concept {@code k} over all layers, with the layer it occurs in. */
    public Worst worstResidual(int k) {
        Worst worst = new Worst(concepts.get(k), "", 0);
        for (Layer l : layers) {
            if (l.constraintResidual().get(k) > worst.residual()) {
                worst = new Worst(concepts.get(k), l.layer(), l.constraintResidual().get(k));
            }
        }
        return worst;
    }

    public double maxRegularizationDrift() {
        return layers.stream().mapToDouble(Layer::regularizationDrift).max().orElse(0);
    }

    public record Worst(String concept, String layer, double residual) {
    }

    public byte[] toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static MergeDiagnostics fromJson(byte[] json) {
        try {
            MergeDiagnostics d = JSON.readValue(json, MergeDiagnostics.class);
            for (Layer l : d.layers()) {
                if (l.constraintResidual().size() != d.concepts().size()) {
                    throw new IllegalArgumentException("layer " + l.layer() + " has " + l.constraintResidual().size()
                            + " residuals for " + d.concepts().size() + " concepts");
                }
            }
            return d;
        } catch (IOException e) {
            throw new IllegalArgumentException("merge diagnostics are not valid JSON: " + e.getMessage(), e);
        }
    }

    private static NDArray rowsOf(NDManager nd, DMatrixRMaj targets, int[] owner, int k) {
        int d = targets.numCols;
        List<double[]> rows = new ArrayList<>();
        for (int r = 0; r < owner.length; r++) {
            if (owner[r] == k) {
                double[] row = new double[d];
                System.arraycopy(targets.data, r * d, row, 0, d);
                rows.add(row);
            }
        }
        if (rows.isEmpty()) {
            return null;
        }
        double[] flat = new double[rows.size() * d];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * d, d);
        }
        return nd.create(flat, new Shape(rows.size(), d));
    }

    private static double frobenius(NDArray a) {
        return Math.sqrt(a.mul(a).sum().getDouble());
    }

    /** num/den; with nothing to compare against (den 0) the absolute value, so the JSON never holds infinity. */
    private static double ratio(double num, double den) {
        return den == 0 ? num : num / den;
    }
}

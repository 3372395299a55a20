package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.delta.Matrices;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeDiagnosticsTest {
    private static final String LAYER = "down.attn2.to_k.weight";

    @Test
    void anExactMergeHasNoResidualAndItsDriftIsTheDirectProductWithTheCaptionFeatures() {
        Random rnd = new Random(3);
        int d = 12;
        int out = 5;
        DMatrixRMaj cReg = gaussian(rnd, 40, d);
        DMatrixRMaj w0 = gaussian(rnd, out, d);
        DMatrixRMaj c1 = gaussian(rnd, 2, d);
        DMatrixRMaj c2 = gaussian(rnd, 3, d);
        DMatrixRMaj w1 = plus(w0, gaussian(rnd, out, d), 0.3);
        DMatrixRMaj w2 = plus(w0, gaussian(rnd, out, d), 0.3);
        DMatrixRMaj c = stack(c1, c2);
        // V: each concept's rows through its own layer
        DMatrixRMaj v = stack(multTransB(c1, w1), multTransB(c2, w2));
        DMatrixRMaj gram = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransA(cReg, cReg, gram);
        DMatrixRMaj exact = MergeProjector.build(gram, c, 0).merge(w0, v);
        DMatrixRMaj merged = Matrices.fromFloats(Matrices.toFloats(exact), out, d);

        MergeDiagnostics diag = MergeDiagnostics.compute(List.of("<new1> dog", "<new2> cat"),
                Map.of(LAYER, floats(w0)), Map.of(LAYER, floats(merged)),
                List.of(Map.of(LAYER, floats(w1)), Map.of(LAYER, floats(w2))), d, c, new int[] {0, 0, 1, 1, 1},
                gram, cReg.numRows);

        MergeDiagnostics.Layer layer = diag.layers().get(0);
        assertEquals(2, layer.constraintResidual().size());
        assertTrue(layer.constraintResidual().get(0) < 1e-5, "residual " + layer.constraintResidual());
        assertTrue(layer.constraintResidual().get(1) < 1e-5, "residual " + layer.constraintResidual());
        // independent: the outputs of every caption row, without the Gram matrix
        DMatrixRMaj change = plus(merged, w0, -1);
        double drift = norm(multTransB(cReg, change)) / norm(multTransB(cReg, w0));
        assertEquals(drift, layer.regularizationDrift(), 1e-5 * drift);
        assertTrue(drift > 0, "a merge that must move the concept rows moves some caption outputs too");
        assertEquals(norm(change), layer.changeNorm(), 1e-4 * norm(change));
        assertEquals(norm(change) / norm(w0), layer.relativeChange(), 1e-4);
    }

    @Test
    void aMergedLayerThatIgnoresOneConceptShowsItsWholeChangeAsResidualAndAKnownDrift() {
        int d = 3;
        // W0 = I, concept 1 moved its layer by +1 on (0,0), the merge kept the base: concept 1 is forgotten
        DMatrixRMaj w0 = CommonOps_DDRM.identity(3);
        DMatrixRMaj w1 = w0.copy();
        w1.set(0, 0, 2);
        DMatrixRMaj w2 = w0.copy();
        w2.set(1, 1, 3);
        DMatrixRMaj merged = w0.copy();
        merged.set(1, 1, 3);
        // C_reg = 2 I: the drift is ||W - W0|| / ||W0|| = 2 / sqrt(3), the scale cancels
        DMatrixRMaj gram = CommonOps_DDRM.identity(3);
        CommonOps_DDRM.scale(4, gram);
        DMatrixRMaj c = new DMatrixRMaj(new double[][] {{1, 0, 0}, {0, 1, 0}});

        MergeDiagnostics diag = MergeDiagnostics.compute(List.of("a", "b"), Map.of(LAYER, floats(w0)),
                Map.of(LAYER, floats(merged)), List.of(Map.of(LAYER, floats(w1)), Map.of(LAYER, floats(w2))), d,
                c, new int[] {0, 1}, gram, 3);

        MergeDiagnostics.Layer layer = diag.layers().get(0);
        // concept a wanted row (2,0,0), got (1,0,0): residual 1/2; concept b got exactly (0,3,0)
        assertEquals(0.5, layer.constraintResidual().get(0), 1e-9);
        assertEquals(0.0, layer.constraintResidual().get(1), 1e-9);
        assertEquals(2.0, layer.changeNorm(), 1e-9);
        assertEquals(2.0 / Math.sqrt(3), layer.regularizationDrift(), 1e-9);
        assertEquals(new MergeDiagnostics.Worst("a", LAYER, 0.5), diag.worstResidual(0));

        MergeDiagnostics read = MergeDiagnostics.fromJson(diag.toJson());
        assertEquals(diag, read);
    }

    @Test
    void refusesDiagnosticsWhoseLayersDoNotMatchTheirConcepts() {
        byte[] json = ("{\"version\":1,\"concepts\":[\"a\",\"b\"],\"regularizationRows\":3,\"layers\":[{\"layer\":\"x\","
                + "\"rows\":1,\"cols\":1,\"changeNorm\":0,\"relativeChange\":0,\"regularizationDrift\":0,"
                + "\"constraintResidual\":[0.1]}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> MergeDiagnostics.fromJson(json));
    }

    private static DMatrixRMaj gaussian(Random rnd, int rows, int cols) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = rnd.nextGaussian();
        }
        // through float32, as the layers travel, so the independent computation sees the same numbers
        return Matrices.fromFloats(Matrices.toFloats(m), rows, cols);
    }

    private static DMatrixRMaj plus(DMatrixRMaj a, DMatrixRMaj b, double scale) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.add(a, scale, b, out);
        return Matrices.fromFloats(Matrices.toFloats(out), a.numRows, a.numCols);
    }

    private static DMatrixRMaj multTransB(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, b.numRows);
        CommonOps_DDRM.multTransB(a, b, out);
        return out;
    }

    private static DMatrixRMaj stack(DMatrixRMaj a, DMatrixRMaj b) {
        return CommonOps_DDRM.concatRowsMulti(a, b);
    }

    private static double norm(DMatrixRMaj m) {
        return org.ejml.dense.row.NormOps_DDRM.normF(m);
    }

    private static float[] floats(DMatrixRMaj m) {
        return Matrices.toFloats(m);
    }
}

package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.golden.GoldenFolder;

import dev.cdiff.diffusion.delta.Matrices;

import dev.cdiff.diffusion.io.SafeTensors;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeProjectorTest {

    @Test
    void reproducesGoldenMergeCase() {
        try (SafeTensors st = SafeTensors.open(GoldenFolder.configured().resolve("cases/merge_closed_form.safetensors"))) {
            for (int k = 0; k < 2; k++) {
                DMatrixRMaj cReg = load(st, "in." + k + ".C_reg");
                DMatrixRMaj c = load(st, "in." + k + ".C_target");
                DMatrixRMaj v = load(st, "in." + k + ".V_target");
                DMatrixRMaj w0 = load(st, "in." + k + ".W0");
                DMatrixRMaj expected = load(st, "out." + k + ".W");
                for (RegularizationGram.Backend backend : RegularizationGram.Backend.values()) {
                    RegularizationGram gram = new RegularizationGram(cReg.numCols, backend);
                    gram.add(Matrices.toFloats(cReg), cReg.numRows);
                    DMatrixRMaj w = MergeProjector.build(gram.gram(), c).merge(w0, v);
                    double maxErr = 0;
                    for (int i = 0; i < w.data.length; i++) {
                        double err = Math.abs(w.data[i] - expected.data[i]);
                        maxErr = Math.max(maxErr, err);
                        assertTrue(err <= 1e-4 + 1e-4 * Math.abs(expected.data[i]),
                                "case " + k + " element " + i + " err " + err);
                    }
                    System.out.printf("merge golden layer %d backend %s maxAbsErr %.3g%n", k, backend, maxErr);
                }
            }
        }
    }

    @Test
    void mergedWeightSatisfiesConstraintsAndStaysCloserToBaseThanEachConcept() {
        Random rnd = new Random(7);
        int d = 96;
        int out = 64;
        int regRows = 800;
        DMatrixRMaj cReg = gaussian(rnd, regRows, d, 1.0);
        DMatrixRMaj w0 = gaussian(rnd, out, d, 1.0 / Math.sqrt(d));
        // two concepts; fine-tuning moves each layer densely (drift that also changes unrelated captions' outputs)
        // plus a part aligned with the concept's own token features
        int perConcept = 4;
        DMatrixRMaj[] cn = new DMatrixRMaj[2];
        DMatrixRMaj[] wn = new DMatrixRMaj[2];
        for (int n = 0; n < 2; n++) {
            cn[n] = gaussian(rnd, perConcept, d, 1.0);
            DMatrixRMaj dw = new DMatrixRMaj(out, d);
            CommonOps_DDRM.mult(gaussian(rnd, out, perConcept, 0.3), cn[n], dw);
            CommonOps_DDRM.divide(dw, d);
            CommonOps_DDRM.addEquals(dw, gaussian(rnd, out, d, 0.1 / Math.sqrt(d)));
            wn[n] = w0.copy();
            CommonOps_DDRM.addEquals(wn[n], dw);
        }
        DMatrixRMaj c = CommonOps_DDRM.concatRowsMulti(cn[0], cn[1]);
        DMatrixRMaj v = new DMatrixRMaj(2 * perConcept, out);
        for (int n = 0; n < 2; n++) {
            DMatrixRMaj vn = new DMatrixRMaj(perConcept, out);
            CommonOps_DDRM.multTransB(cn[n], wn[n], vn);
            CommonOps_DDRM.insert(vn, v, n * perConcept, 0);
        }
        RegularizationGram gram = new RegularizationGram(d, RegularizationGram.Backend.EJML);
        gram.add(Matrices.toFloats(cReg), regRows);
        MergeProjector projector = MergeProjector.build(gram.gram(), c);
        DMatrixRMaj w = projector.merge(w0, v);

        DMatrixRMaj wct = new DMatrixRMaj(out, c.numRows);
        CommonOps_DDRM.multTransB(w, c, wct);
        DMatrixRMaj vt = CommonOps_DDRM.transpose(v, null);
        double constraintErr = CommonOps_DDRM.elementMaxAbs(diff(wct, vt));
        assertTrue(constraintErr < 1e-4, "W C^T = V^T violated by " + constraintErr);

        double merged = regDeviation(w, w0, cReg);
        for (int n = 0; n < 2; n++) {
            double single = regDeviation(wn[n], w0, cReg);
            assertTrue(merged < single, "merged deviation " + merged + " not below concept " + n + " deviation " + single);
        }
        assertFalse(projector.usedPseudoInverse());
    }

    @Test
    void duplicateTargetsAreDroppedAndSingularGramIsRidged() {
        Random rnd = new Random(11);
        int d = 40;
        int out = 24;
        DMatrixRMaj cReg = gaussian(rnd, 25, d, 1.0); // 25 tokens < 40 dims: C_reg^T C_reg is singular
        DMatrixRMaj w0 = gaussian(rnd, out, d, 0.2);
        DMatrixRMaj base = gaussian(rnd, 3, d, 1.0);
        DMatrixRMaj c = CommonOps_DDRM.concatRowsMulti(base, CommonOps_DDRM.extract(base, 1, 2, 0, d));
        DMatrixRMaj wTarget = gaussian(rnd, out, d, 0.2);
        DMatrixRMaj v = new DMatrixRMaj(c.numRows, out);
        CommonOps_DDRM.multTransB(c, wTarget, v);
        RegularizationGram gram = new RegularizationGram(d, RegularizationGram.Backend.EJML);
        gram.add(Matrices.toFloats(cReg), cReg.numRows);
        MergeProjector projector = MergeProjector.build(gram.gram(), c);
        assertEquals(3, projector.targetRowsKept());
        DMatrixRMaj w = projector.merge(w0, v);
        DMatrixRMaj wct = new DMatrixRMaj(out, c.numRows);
        CommonOps_DDRM.multTransB(w, c, wct);
        double err = CommonOps_DDRM.elementMaxAbs(diff(wct, CommonOps_DDRM.transpose(v, null)));
        assertTrue(err < 1e-6, "constraints violated by " + err);
        for (double x : w.data) {
            assertTrue(Double.isFinite(x));
        }
        // the regularization outputs are still preserved as well as the constraints allow: deviation is finite and
        // no larger than that of the trivially feasible target weight
        assertTrue(regDeviation(w, w0, cReg) <= regDeviation(wTarget, w0, cReg));
    }

    private static double regDeviation(DMatrixRMaj w, DMatrixRMaj w0, DMatrixRMaj cReg) {
        DMatrixRMaj dw = diff(w, w0);
        DMatrixRMaj outDiff = new DMatrixRMaj(w.numRows, cReg.numRows);
        CommonOps_DDRM.multTransB(dw, cReg, outDiff);
        return CommonOps_DDRM.elementSum(CommonOps_DDRM.elementMult(outDiff, outDiff, null));
    }

    /** a - b, for comparisons in the merge tests. */
    static DMatrixRMaj diff(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, out);
        return out;
    }

    /** The float64 libtorch Gram matrix of {@code features}, added as one chunk. */
    static RegularizationGram float64Gram(DMatrixRMaj features) {
        RegularizationGram gram = new RegularizationGram(features.numCols, RegularizationGram.Backend.FLOAT64);
        gram.add(Matrices.toFloats(features), features.numRows);
        return gram;
    }

    static DMatrixRMaj gaussian(Random rnd, int rows, int cols, double std) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = rnd.nextGaussian() * std;
        }
        return m;
    }

    /** {@code n} float32 values of {@link #gaussian}. */
    static float[] gaussianFloats(Random rnd, int n, double std) {
        return Matrices.toFloats(gaussian(rnd, 1, n, std));
    }

    /** A fine-tuned weight: {@code base} plus a fresh Gaussian change of deviation {@code std}. */
    static float[] perturbed(Random rnd, float[] base, double std) {
        float[] dw = gaussianFloats(rnd, base.length, std);
        float[] w = base.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] += dw[i];
        }
        return w;
    }

    private static DMatrixRMaj load(SafeTensors st, String name) {
        long[] shape = st.info(name).shape();
        return Matrices.fromFloats(st.loadFloats(name), (int) shape[0], (int) shape[1]);
    }
}

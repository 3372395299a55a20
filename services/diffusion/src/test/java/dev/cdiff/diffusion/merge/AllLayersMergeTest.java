package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.delta.Matrices;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllLayersMergeTest {
    private static final int D = 160;
    private static final int[] OUTS = {48, 96, 48, 200};
    // target rows of two sources, interleaved, with row 5 a duplicate of row 1 (dropped by the projector)
    private static final int[] SOURCE = {1, 0, 1, 0, 0, 0, 1};

    @Test
    void float64LayersEqualTheProjectorsPerLayerMerge() {
        Random rnd = new Random(11);
        MergeProjector projector = projector(rnd);
        try (NDManager nd = NDManager.newBaseManager()) {
            Layers layers = layers(nd, rnd, DataType.FLOAT64);
            AllLayersMerge.Output out = AllLayersMerge.merge(projector, layers.base, layers.tuned, SOURCE, true);
            for (int l = 0; l < OUTS.length; l++) {
                NDArray expected = projector.merge(layers.base.get(l), layers.values(nd, projector, l));
                double[] e = expected.toDoubleArray();
                NDArray merged = out.merged(l, layers.base.get(l));
                double[] a = merged.toDoubleArray();
                assertEquals(DataType.FLOAT64, merged.getDataType());
                // the change is kept as rank-m factors: E [out, m] per layer, one M [m, d]
                assertEquals(new Shape(OUTS[l], SOURCE.length - 1), out.changes().get(l).getShape());
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], a[i], 1e-12 * (1 + Math.abs(e[i])), "layer " + l + " element " + i);
                }
            }
            assertTrue(out.maxConstraintError() < 1e-10, "constraint error " + out.maxConstraintError());
        }
    }

    @Test
    void float32LayersStayWithinFloat32RoundingOfTheFloat64Merge() {
        Random rnd = new Random(12);
        MergeProjector projector = projector(rnd);
        try (NDManager nd = NDManager.newBaseManager()) {
            Layers wide = layers(nd, rnd, DataType.FLOAT64);
            Layers narrow = wide.as(DataType.FLOAT32);
            AllLayersMerge.Output out = AllLayersMerge.merge(projector, narrow.base, narrow.tuned, SOURCE, true);
            for (int l = 0; l < OUTS.length; l++) {
                double[] e = projector.merge(narrow.base.get(l).toType(DataType.FLOAT64, false),
                        narrow.values(nd, projector, l)).toDoubleArray();
                NDArray merged = out.merged(l, narrow.base.get(l));
                assertEquals(DataType.FLOAT32, merged.getDataType());
                float[] a = merged.toFloatArray();
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], a[i], 1e-5, "layer " + l + " element " + i);
                }
            }
            // features ~N(0,1) over 160 dims, weights ~N(0, 1/160): outputs ~1, float32 rounding ~1e-6
            assertTrue(out.maxConstraintError() < 1e-4, "constraint error " + out.maxConstraintError());
            assertTrue(out.maxConstraintError() > 0, "float32 products cannot be exact");
        }
    }

    @Test
    void constraintErrorMeasuredOnTheFactorsIsTheErrorOfTheFormedWeight() {
        // 12 target rows in 8 dimensions cannot all be met: the pseudo-inverse leaves a real residual to measure
        int d = 8;
        int m = 12;
        Random rnd = new Random(21);
        RegularizationGram gram = MergeProjectorTest.float64Gram(MergeProjectorTest.gaussian(rnd, 100, d, 1.0));
        DMatrixRMaj c = MergeProjectorTest.gaussian(rnd, m, d, 1.0);
        MergeProjector projector = MergeProjector.build(gram, c, MergeProjector.DEFAULT_RIDGE_FRACTION);
        assertTrue(projector.usedPseudoInverse());
        int[] source = new int[m];
        for (int i = 0; i < m; i++) {
            source[i] = i % 2;
        }
        try (NDManager nd = NDManager.newBaseManager()) {
            NDArray w0 = nd.create(MergeProjectorTest.gaussian(rnd, 20, d, 0.3).data, new Shape(20, d));
            List<NDArray> tuned = List.of(
                    w0.add(nd.create(MergeProjectorTest.gaussian(rnd, 20, d, 0.1).data, new Shape(20, d))),
                    w0.add(nd.create(MergeProjectorTest.gaussian(rnd, 20, d, 0.1).data, new Shape(20, d))));
            AllLayersMerge.Output out = AllLayersMerge.merge(projector, List.of(w0), List.of(tuned), source, true);
            NDArray w = out.merged(0, w0);
            NDArray features = nd.create(c.data, new Shape(m, d));
            double dense = 0;
            for (int r = 0; r < m; r++) {
                NDArray row = features.get(r).reshape(1, d);
                NDArray gap = row.matMul(w.transpose()).sub(row.matMul(tuned.get(source[r]).transpose()));
                dense = Math.max(dense, gap.abs().max().getDouble());
            }
            assertTrue(dense > 1e-3, "dependent targets cannot all be met, residual " + dense);
            assertEquals(dense, out.maxConstraintError(), 1e-9 * dense);
        }
    }

    @Test
    void blockTriangleGramEqualsTheFullProductAcrossChunks() {
        // wide enough for four column blocks, and not a multiple of four, so the blocks have unequal widths
        int width = 522;
        Random rnd = new Random(17);
        DMatrixRMaj first = MergeProjectorTest.gaussian(rnd, 200, width, 1.0);
        DMatrixRMaj second = MergeProjectorTest.gaussian(rnd, 150, width, 1.0);
        RegularizationGram ejml = new RegularizationGram(width, RegularizationGram.Backend.EJML);
        RegularizationGram blocked = new RegularizationGram(width, RegularizationGram.Backend.FLOAT64);
        for (DMatrixRMaj chunk : List.of(first, second)) {
            ejml.add(Matrices.toFloats(chunk), chunk.numRows);
            blocked.add(Matrices.toFloats(chunk), chunk.numRows);
        }
        DMatrixRMaj expected = ejml.gram();
        assertTrue(CommonOps_DDRM.elementMaxAbs(MergeProjectorTest.diff(expected, blocked.gram())) < 1e-9 * 350);
        assertTrue(CommonOps_DDRM.elementMaxAbs(expected) > 100, "the Gram matrix is not trivially zero");
        assertEquals(350, blocked.rows());
    }

    @Test
    void cachedInverseGivesTheCholeskyProjectorAndSurvivesTheCacheFile() throws Exception {
        Random rnd = new Random(13);
        DMatrixRMaj cReg = MergeProjectorTest.gaussian(rnd, 900, D, 1.0);
        DMatrixRMaj c = MergeProjectorTest.gaussian(rnd, 6, D, 1.0);
        RegularizationGram ejml = new RegularizationGram(D, RegularizationGram.Backend.EJML);
        ejml.add(Matrices.toFloats(cReg), cReg.numRows);
        RegularizationGram blocked = MergeProjectorTest.float64Gram(cReg);
        // the half-block product of the libtorch backends gives the full symmetric matrix
        assertTrue(CommonOps_DDRM.elementMaxAbs(MergeProjectorTest.diff(ejml.gram(), blocked.gram())) < 1e-9 * 900);

        DMatrixRMaj w0 = MergeProjectorTest.gaussian(rnd, 30, D, 0.1);
        DMatrixRMaj v = MergeProjectorTest.gaussian(rnd, 6, 30, 1.0);
        DMatrixRMaj viaCholesky = MergeProjector.build(ejml.gram(), c, 1e-6).merge(w0, v);
        DMatrixRMaj viaInverse = MergeProjector.build(blocked, c, 1e-6).merge(w0, v);
        assertTrue(CommonOps_DDRM.elementMaxAbs(MergeProjectorTest.diff(viaCholesky, viaInverse)) < 1e-9);

        DMatrixRMaj inverse = blocked.regularizedInverse(1e-6);
        Path file = Files.createTempFile("gram-", ".safetensors");
        try {
            blocked.write(file);
            RegularizationGram read = RegularizationGram.read(file);
            try (var st = dev.cdiff.diffusion.io.SafeTensors.open(file)) {
                assertTrue(st.names().contains("inverse"), "the cache entry carries the inverse");
            }
            assertEquals(0, CommonOps_DDRM.elementMaxAbs(MergeProjectorTest.diff(inverse, read.regularizedInverse(1e-6))));
            // another ridge is never served from the stored inverse
            DMatrixRMaj other = read.regularizedInverse(1e-3);
            assertTrue(CommonOps_DDRM.elementMaxAbs(MergeProjectorTest.diff(inverse, other)) > 0);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static MergeProjector projector(Random rnd) {
        DMatrixRMaj cReg = MergeProjectorTest.gaussian(rnd, 600, D, 1.0);
        RegularizationGram gram = MergeProjectorTest.float64Gram(cReg);
        DMatrixRMaj c = MergeProjectorTest.gaussian(rnd, SOURCE.length, D, 1.0);
        System.arraycopy(c.data, D, c.data, 5 * D, D);
        MergeProjector p = MergeProjector.build(gram, c, MergeProjector.DEFAULT_RIDGE_FRACTION);
        assertEquals(SOURCE.length - 1, p.targetRowsKept());
        return p;
    }

    private record Layers(List<NDArray> base, List<List<NDArray>> tuned) {
        Layers as(DataType type) {
            List<NDArray> b = new ArrayList<>();
            List<List<NDArray>> t = new ArrayList<>();
            for (int l = 0; l < base.size(); l++) {
                b.add(base.get(l).toType(type, false));
                List<NDArray> per = new ArrayList<>();
                for (NDArray a : tuned.get(l)) {
                    per.add(a.toType(type, false));
                }
                t.add(per);
            }
            return new Layers(b, t);
        }

        /** V [m, out] in float64: every target row through its own source's layer (the per-layer API's input). */
        NDArray values(NDManager nd, MergeProjector projector, int l) {
            double[][] rows = new double[SOURCE.length][];
            NDArray c = nd.create(cAll(projector), new Shape(SOURCE.length, D));
            for (int r = 0; r < SOURCE.length; r++) {
                NDArray w = tuned.get(l).get(SOURCE[r]).toType(DataType.FLOAT64, false);
                rows[r] = c.get(r).reshape(1, D).matMul(w.transpose()).toDoubleArray();
            }
            double[] flat = new double[SOURCE.length * rows[0].length];
            for (int r = 0; r < SOURCE.length; r++) {
                System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
            }
            return nd.create(flat, new Shape(SOURCE.length, rows[0].length));
        }

        /** All target rows (duplicate included) rebuilt from the kept ones. */
        private static double[] cAll(MergeProjector projector) {
            try (NDManager m = NDManager.newBaseManager()) {
                double[] kept = projector.targets(m).toDoubleArray();
                int[] idx = projector.keptRowIndices();
                double[] all = new double[SOURCE.length * D];
                for (int j = 0; j < idx.length; j++) {
                    System.arraycopy(kept, j * D, all, idx[j] * D, D);
                }
                System.arraycopy(all, D, all, 5 * D, D);
                return all;
            }
        }
    }

    private static Layers layers(NDManager nd, Random rnd, DataType type) {
        List<NDArray> base = new ArrayList<>();
        List<List<NDArray>> tuned = new ArrayList<>();
        for (int out : OUTS) {
            DMatrixRMaj w0 = MergeProjectorTest.gaussian(rnd, out, D, 1.0 / Math.sqrt(D));
            NDArray b = nd.create(w0.data, new Shape(out, D)).toType(type, false);
            base.add(b);
            List<NDArray> per = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                DMatrixRMaj dw = MergeProjectorTest.gaussian(rnd, out, D, 0.01 / Math.sqrt(D));
                per.add(b.add(nd.create(dw.data, new Shape(out, D)).toType(type, false)));
            }
            tuned.add(per);
        }
        return new Layers(base, tuned);
    }

}

package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.delta.Matrices;
import ai.djl.ndarray.NDManager;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllLayersMergeTest {
    private static final int D = 160;
    private static final int[] OUTS = {48, 96, 48, 200};
    // target rows of two sources, interleaved, with row 5 a duplicate of row 1 (dropped by the projector)
    private static final int[] SOURCE = {1, 0, 1, 0, 0, 0, 1};

    @Test
    void float32LayersStayWithinFloat32RoundingOfTheFloat64Merge() {
        Random rnd = new Random(12);
        MergeProjector projector = projector(rnd);
        Layers layers = layers(rnd);
        AllLayersMerge.Output out = AllLayersMerge.merge(projector, layers.base, layers.tuned, SOURCE, true);
        for (int l = 0; l < OUTS.length; l++) {
            DMatrixRMaj expected = projector.merge(Matrices.fromFloats(layers.base.get(l), OUTS[l], D), layers.values(projector, l));
            float[] merged = out.merged(l, layers.base.get(l));
            // the change is kept as rank-m factors: E [out, m] per layer, one M [m, d]
            assertEquals(OUTS[l] * (SOURCE.length - 1), out.changes().get(l).length);
            assertEquals(expected.data.length, merged.length);
            for (int i = 0; i < merged.length; i++) {
                assertEquals(expected.data[i], merged[i], 1e-5, "layer " + l + " element " + i);
            }
        }
        // features ~N(0,1) over 160 dims, weights ~N(0, 1/160): outputs ~1, float32 rounding ~1e-6
        assertTrue(out.maxConstraintError() < 1e-4, "constraint error " + out.maxConstraintError());
        assertTrue(out.maxConstraintError() > 0, "float32 products cannot be exact");
    }

    @Test
    void sameBitsOnOneWorkerAsOnSeveral() {
        Random rnd = new Random(14);
        MergeProjector projector = projector(rnd);
        Layers layers = layers(rnd);
        ForkJoinPool one = new ForkJoinPool(1);
        ForkJoinPool three = new ForkJoinPool(3);
        try {
            AllLayersMerge.Output a = AllLayersMerge.merge(projector, layers.base, layers.tuned, SOURCE, true, one);
            AllLayersMerge.Output b = AllLayersMerge.merge(projector, layers.base, layers.tuned, SOURCE, true, three);
            for (int l = 0; l < OUTS.length; l++) {
                assertArrayEquals(a.changes().get(l), b.changes().get(l), "layer " + l);
            }
            assertEquals(a.maxConstraintError(), b.maxConstraintError());
        } finally {
            one.shutdown();
            three.shutdown();
        }
    }

    @Test
    void aLayerASourceLeftUnchangedGetsExactlyNoChangeFromIt() {
        Random rnd = new Random(15);
        MergeProjector projector = projector(rnd);
        Layers layers = layers(rnd);
        // source 0 did not touch layer 1: its own weight is the base array itself, as ClosedFormMerge passes it
        List<List<float[]>> tuned = new ArrayList<>(layers.tuned);
        tuned.set(1, List.of(layers.base.get(1), layers.tuned.get(1).get(1)));
        AllLayersMerge.Output out = AllLayersMerge.merge(projector, layers.base, tuned, SOURCE, true);
        float[] e = out.changes().get(1);
        int m = out.rank();
        int zeroColumns = 0;
        int[] kept = projector.keptRowIndices();
        for (int q = 0; q < m; q++) {
            boolean allZero = true;
            for (int i = 0; i < OUTS[1]; i++) {
                allZero &= e[i * m + q] == 0f;
            }
            zeroColumns += allZero ? 1 : 0;
        }
        long source0Rows = java.util.Arrays.stream(kept).filter(r -> SOURCE[r] == 0).count();
        assertEquals(source0Rows, zeroColumns, "one all-zero column per kept row of the unchanged source");
        assertTrue(out.maxConstraintError() < 1e-4, "constraint error " + out.maxConstraintError());
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
        float[] w0 = Matrices.toFloats(MergeProjectorTest.gaussian(rnd, 20, d, 0.3));
        List<float[]> tuned = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            tuned.add(MergeProjectorTest.perturbed(rnd, w0, 0.1));
        }
        AllLayersMerge.Output out = AllLayersMerge.merge(projector, List.of(w0), List.of(tuned), source, true);
        float[] w = out.merged(0, w0);
        double dense = 0;
        for (int r = 0; r < m; r++) {
            float[] own = tuned.get(source[r]);
            for (int i = 0; i < 20; i++) {
                double gap = 0;
                for (int k = 0; k < d; k++) {
                    gap += c.get(r, k) * ((double) w[i * d + k] - own[i * d + k]);
                }
                dense = Math.max(dense, Math.abs(gap));
            }
        }
        assertTrue(dense > 1e-3, "dependent targets cannot all be met, residual " + dense);
        // the factors' float32 rounding against the formed float32 weight's: equal to float32 precision
        assertEquals(dense, out.maxConstraintError(), 1e-4 * dense);
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

    private record Layers(List<float[]> base, List<List<float[]>> tuned) {
        /** V [m, out] in float64: every target row through its own source's layer (the per-layer API's input). */
        DMatrixRMaj values(MergeProjector projector, int l) {
            double[] c = cAll(projector);
            int out = base.get(l).length / D;
            DMatrixRMaj v = new DMatrixRMaj(SOURCE.length, out);
            for (int r = 0; r < SOURCE.length; r++) {
                float[] w = tuned.get(l).get(SOURCE[r]);
                for (int i = 0; i < out; i++) {
                    double s = 0;
                    for (int k = 0; k < D; k++) {
                        s += c[r * D + k] * w[i * D + k];
                    }
                    v.set(r, i, s);
                }
            }
            return v;
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

    private static Layers layers(Random rnd) {
        List<float[]> base = new ArrayList<>();
        List<List<float[]>> tuned = new ArrayList<>();
        for (int out : OUTS) {
            float[] b = Matrices.toFloats(MergeProjectorTest.gaussian(rnd, out, D, 1.0 / Math.sqrt(D)));
            base.add(b);
            List<float[]> per = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                per.add(MergeProjectorTest.perturbed(rnd, b, 0.01 / Math.sqrt(D)));
            }
            tuned.add(per);
        }
        return new Layers(base, tuned);
    }

}

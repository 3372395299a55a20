package dev.cdiff.diffusion.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.backend.ComputeDevice;
import dev.cdiff.diffusion.io.SafeTensors;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checks of a cached Gram matrix: its checksum when read, and the backward error of
 * {@link RegularizationGram#solveRegularized}: sound entries and solves pass, damaged ones are refused.
 */
class RegularizedSolveCheckTest {

    @Test
    void aRankDeficientGramMatrixWithTheDefaultRidgeStillPassesTheCheck() {
        int d = 160;
        Random rnd = new Random(3);
        // fewer feature rows than the width: G is singular, only the 1e-10 ridge makes it invertible
        DMatrixRMaj cReg = MergeProjectorTest.gaussian(rnd, 100, d, 1.0);
        DMatrixRMaj c = MergeProjectorTest.gaussian(rnd, 6, d, 1.0);
        RegularizationGram gram = MergeProjectorTest.float64Gram(cReg);
        MergeProjector p = MergeProjector.build(gram, c, MergeProjector.DEFAULT_RIDGE_FRACTION);
        // the merge through it still meets the constraints: W C^T = V^T
        DMatrixRMaj w0 = MergeProjectorTest.gaussian(rnd, 30, d, 0.1);
        DMatrixRMaj v = MergeProjectorTest.gaussian(rnd, 6, 30, 1.0);
        DMatrixRMaj w = p.merge(w0, v);
        DMatrixRMaj wct = new DMatrixRMaj(30, 6);
        CommonOps_DDRM.multTransB(w, c, wct);
        CommonOps_DDRM.subtractEquals(wct, CommonOps_DDRM.transpose(v, null));
        assertTrue(CommonOps_DDRM.elementMaxAbs(wct) < 1e-6, "W C^T = V^T, off by " + CommonOps_DDRM.elementMaxAbs(wct));
    }

    @Test
    void aDamagedCacheEntryIsRefusedWhenReadAndAWrongInverseWhenSolving() throws Exception {
        int d = 160;
        Random rnd = new Random(5);
        DMatrixRMaj cReg = MergeProjectorTest.gaussian(rnd, 700, d, 1.0);
        DMatrixRMaj c = MergeProjectorTest.gaussian(rnd, 6, d, 1.0);
        RegularizationGram gram = MergeProjectorTest.float64Gram(cReg);
        DMatrixRMaj good = gram.solveRegularized(1e-6, c);
        Path file = Files.createTempFile("gram-", ".safetensors");
        Path damaged = Files.createTempFile("gram-damaged-", ".safetensors");
        try {
            gram.write(file);
            // the sound entry solves to the same values as the Gram matrix it came from
            DMatrixRMaj reread = RegularizationGram.read(file).solveRegularized(1e-6, c);
            assertTrue(CommonOps_DDRM.elementMaxAbs(MergeProjectorTest.diff(good, reread)) <= 1e-12 * CommonOps_DDRM.elementMaxAbs(good));
            // a read entry keeps its stored bytes for the engine; rows added later must retire them, or the solve
            // would use the old matrix's inverse
            float[] more = new float[40 * d];
            for (int i = 0; i < more.length; i++) more[i] = (float) rnd.nextGaussian();
            RegularizationGram extended = RegularizationGram.read(file);
            extended.add(more, 40);
            RegularizationGram fresh = MergeProjectorTest.float64Gram(cReg);
            fresh.add(more, 40);
            DMatrixRMaj expected = fresh.solveRegularized(1e-6, c);
            assertTrue(CommonOps_DDRM.elementMaxAbs(MergeProjectorTest.diff(expected, extended.solveRegularized(1e-6, c)))
                    <= 1e-9 * CommonOps_DDRM.elementMaxAbs(expected));
            assertTrue(CommonOps_DDRM.elementMaxAbs(MergeProjectorTest.diff(expected, good)) > 1e-3 * CommonOps_DDRM.elementMaxAbs(good),
                    "the added rows must change the solve, or this check would pass with stale bytes");

            Map<String, String> meta;
            double[] g;
            double[] inv;
            try (SafeTensors st = SafeTensors.open(file)) {
                meta = new TreeMap<>(st.metadata());
                g = st.loadDoubles("gram");
                inv = st.loadDoubles("inverse");
            }
            inv[37 * d + 12] += 1e-6 * Math.abs(inv[37 * d + 37]); // one entry off in its sixth digit

            // damaged in the store: the checksum no longer matches, so the entry is refused when read
            write(damaged, d, g, inv, meta);
            IllegalArgumentException unread = assertThrows(IllegalArgumentException.class,
                    () -> RegularizationGram.read(damaged));
            assertTrue(unread.getMessage().contains("checksum mismatch"), unread.getMessage());
            Map<String, String> unchecked = new TreeMap<>(meta);
            unchecked.remove(RegularizationGram.CHECKSUM);
            write(damaged, d, g, inv, unchecked);
            assertThrows(IllegalArgumentException.class, () -> RegularizationGram.read(damaged));

            // wrong when computed (a faulty kernel) and stored with a matching checksum: the solve refuses it
            Map<String, String> matching = new TreeMap<>(meta);
            matching.put(RegularizationGram.CHECKSUM, RegularizationGram.checksum(g, inv));
            write(damaged, d, g, inv, matching);
            RegularizationGram broken = RegularizationGram.read(damaged);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> broken.solveRegularized(1e-6, c));
            assertTrue(e.getMessage().contains("backward error"), e.getMessage());
            // another ridge does not use the stored inverse, so it solves (and passes its check) again
            assertTrue(CommonOps_DDRM.elementMaxAbs(broken.solveRegularized(1e-3, c)) > 0);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(damaged);
        }
    }

    private static void write(Path file, int d, double[] gram, double[] inverse, Map<String, String> meta) {
        try (NDManager m = ComputeDevice.newManager()) {
            Map<String, NDArray> tensors = new TreeMap<>();
            tensors.put("gram", m.create(gram, new Shape(d, d)));
            tensors.put("inverse", m.create(inverse, new Shape(d, d)));
            SafeTensors.write(file, tensors, meta, false);
        }
    }

}

package dev.cdiff.diffusion.merge;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The closed-form merge on random data with a real model family's cross-attention K/V shapes (outputs of each
 * to_k / to_v, all reading {@code width}-wide text features), for timing.
 */
public final class MergeBenchmark {
    private MergeBenchmark() {
    }

    public record Shapes(int width, int[] layerOutputs) {
    }

    /** layerMillis includes building each layer's random W0/W_n values (small next to the products). */
    public record Result(int layers, int width, long gramMillis, long solveMillis, long layerMillis, long totalMillis,
                         double maxConstraintError) {
    }

    /**
     * sd15: 16 attn2 blocks (down 320,320,640,640,1280,1280; mid 1280; up 1280x3, 640x3, 320x3), each with to_k and
     * to_v: 32 matrices [out, 768]. tiny: the golden tiny-sd's 6 blocks of width 32/64 over 32-wide features.
     */
    public static Shapes shapes(String name) {
        int[] blocks;
        int width;
        switch (name) {
            case "sd15":
                blocks = new int[] {320, 320, 640, 640, 1280, 1280, 1280, 1280, 1280, 1280, 640, 640, 640, 320, 320, 320};
                width = 768;
                break;
            case "tiny":
                blocks = new int[] {32, 32, 64, 32, 32, 32};
                width = 32;
                break;
            default:
                throw new IllegalArgumentException("unknown shape set '" + name + "' (sd15 or tiny)");
        }
        int[] outs = new int[blocks.length * 2];
        for (int i = 0; i < blocks.length; i++) {
            outs[2 * i] = blocks[i];
            outs[2 * i + 1] = blocks[i];
        }
        return new Shapes(width, outs);
    }

    public static Result run(Shapes shapes, int concepts, int captions, int tokensPerCaption,
                             RegularizationGram.Backend backend, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int d = shapes.width();
        RegularizationGram gram = new RegularizationGram(d, backend);
        long gramMillis = 0;
        int perChunk = 32;
        for (int c = 0; c < captions; c += perChunk) {
            int n = Math.min(perChunk, captions - c) * tokensPerCaption;
            float[] rows = new float[n * d];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = (float) rnd.nextGaussian();
            }
            long t = System.currentTimeMillis();
            gram.add(rows, n);
            gramMillis += System.currentTimeMillis() - t;
        }
        long gramDone = System.currentTimeMillis();
        int rowsPerConcept = 8; // "<newK> class" (3 rows incl. EOS) + "photo of a <newK> class" (3) rounded up
        int m = concepts * rowsPerConcept;
        DMatrixRMaj c = new DMatrixRMaj(m, d);
        for (int i = 0; i < c.data.length; i++) {
            c.data[i] = rnd.nextGaussian();
        }
        MergeProjector projector = MergeProjector.build(gram.gram(), c);
        long solveDone = System.currentTimeMillis();
        double maxErr = 0;
        for (int out : shapes.layerOutputs()) {
            DMatrixRMaj w0 = random(rnd, out, d, 1.0 / Math.sqrt(d));
            DMatrixRMaj values = new DMatrixRMaj(m, out);
            for (int k = 0; k < concepts; k++) {
                DMatrixRMaj wn = w0.copy();
                CommonOps_DDRM.addEquals(wn, random(rnd, out, d, 0.01 / Math.sqrt(d)));
                DMatrixRMaj ck = CommonOps_DDRM.extract(c, k * rowsPerConcept, (k + 1) * rowsPerConcept, 0, d);
                DMatrixRMaj vk = new DMatrixRMaj(rowsPerConcept, out);
                CommonOps_DDRM.multTransB(ck, wn, vk);
                CommonOps_DDRM.insert(vk, values, k * rowsPerConcept, 0);
            }
            DMatrixRMaj w = projector.merge(w0, values);
            DMatrixRMaj check = new DMatrixRMaj(m, out);
            CommonOps_DDRM.multTransB(c, w, check);
            CommonOps_DDRM.subtractEquals(check, values);
            maxErr = Math.max(maxErr, CommonOps_DDRM.elementMaxAbs(check));
        }
        long end = System.currentTimeMillis();
        // random data generation is excluded: total = gram + solve + layers
        return new Result(shapes.layerOutputs().length, d, gramMillis, solveDone - gramDone, end - solveDone,
                gramMillis + (end - gramDone), maxErr);
    }

    private static DMatrixRMaj random(SplittableRandom rnd, int rows, int cols, double std) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = rnd.nextGaussian() * std;
        }
        return m;
    }
}

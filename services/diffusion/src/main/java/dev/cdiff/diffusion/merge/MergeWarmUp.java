package dev.cdiff.diffusion.merge;

import org.ejml.data.DMatrixRMaj;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One synthetic merge on a service's own base K/V weights, run when the service starts. A JVM runs the merge's Java
 * code (the layer products of {@link ChangeProduct} above all) in the interpreter until its compilers have caught
 * up, which made a process's first SD-1.5 merge take 0.75-1.3 s against 0.1-0.25 s for the next ones
 * (docs/performance.md, eighth and tenth sessions); a service pays that here instead of in its first job. The merge is the real one: the same Gram
 * backend, solve, layer products and constraint check, on random features and on copies of the base weights.
 */
public final class MergeWarmUp {
    /** Two concepts of eight target rows each, as a two-concept merge of "<newK> class" phrases. */
    private static final int SOURCES = 2;
    private static final int ROWS_PER_SOURCE = 8;

    private MergeWarmUp() {
    }

    /**
     * @param baseKv the base model's cross-attention K/V weights, [out, width] row-major each; read, not changed
     * @param width  the text encoder's hidden size, the weights' input width
     * @return the synthetic merge's largest constraint error, which a correct merge keeps near float32 rounding
     */
    public static double run(Map<String, float[]> baseKv, int width, long seed) {
        if (baseKv.isEmpty()) {
            throw new IllegalArgumentException("no K/V weights to warm the merge up on");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        // more regularization rows than the width, so the Gram matrix is well conditioned, as a real caption set's
        int regRows = 2 * width;
        float[] features = new float[regRows * width];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) rnd.nextGaussian();
        }
        RegularizationGram gram = new RegularizationGram(width, ClosedFormMerge.Options.defaults().backend());
        gram.add(features, regRows);
        int m = SOURCES * ROWS_PER_SOURCE;
        DMatrixRMaj targets = new DMatrixRMaj(m, width);
        for (int i = 0; i < targets.data.length; i++) {
            targets.data[i] = rnd.nextGaussian();
        }
        MergeProjector projector = MergeProjector.build(gram, targets, MergeProjector.DEFAULT_RIDGE_FRACTION);
        List<float[]> base = new ArrayList<>(baseKv.values());
        List<List<float[]>> tuned = new ArrayList<>();
        for (float[] w0 : base) {
            List<float[]> perSource = new ArrayList<>();
            for (int s = 0; s < SOURCES; s++) {
                // a changed copy, so the products run over every layer as for a concept that changed it
                float[] w = w0.clone();
                w[rnd.nextInt(w.length)] += 1f;
                perSource.add(w);
            }
            tuned.add(perSource);
        }
        int[] targetSource = new int[m];
        for (int i = 0; i < m; i++) {
            targetSource[i] = i / ROWS_PER_SOURCE;
        }
        return AllLayersMerge.merge(projector, base, tuned, targetSource, true).maxConstraintError();
    }
}

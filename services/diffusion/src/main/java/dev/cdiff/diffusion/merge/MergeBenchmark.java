package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /**
     * Median timings over the timed runs, which follow the untimed warm-up runs. Cold: Gram matrix, solve and layer
     * updates. Warm: the Gram matrix read back from its cache file, solve and layer updates. Generating the random
     * test data is outside every figure. {@code firstColdMillis} is the very first merge of the process (the JVM's
     * code not yet compiled), the cost a merge service pays once after it starts; every timed run is kept in
     * {@code coldRuns} / {@code warmRuns} so the spread is visible, not only the median.
     */
    public record Result(int layers, int width, long regularizationRows, long gramMillis, long solveMillis,
                         long layerMillis, long coldMillis, long warmMillis, double maxConstraintError,
                         long firstColdMillis, long[] coldRuns, long[] warmRuns, WarmParts warmParts,
                         long serviceWarmUpMillis) {
    }

    /**
     * Which code ran the layer products: {@code vector} (the 256-bit kernel) or {@code scalar} (no
     * {@code jdk.incubator.vector} module, no 256-bit vectors, or C1 only). The bits are the same; the time is not
     * (about six times), so a bench says which it measured.
     */
    public static String layerProducts() {
        return ChangeProduct.vectorised() ? "vector" : "scalar";
    }

    /** Medians of the warm merge's parts: reading the cache entry, the solve from its inverse, the layer updates. */
    public record WarmParts(double readMillis, double solveMillis, double layerMillis) {
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

    /**
     * @param serviceWarmUp run the merging service's start-up {@link MergeWarmUp} on the base weights first, so that
     *                      {@code firstColdMillis} is what a service's first job pays; its own time is
     *                      {@code serviceWarmUpMillis} (-1 when not run)
     */
    public static Result run(Shapes shapes, int concepts, int captions, int tokensPerCaption,
                             RegularizationGram.Backend backend, long seed, int warmups, int runs,
                             boolean serviceWarmUp) {
        if (warmups < 1 || runs < 1) {
            throw new IllegalArgumentException("need at least one warm-up run and one timed run, got " + warmups
                    + " and " + runs);
        }
        int d = shapes.width();
        int rowsPerConcept = 8; // "<newK> class" (3 rows incl. EOS) + "photo of a <newK> class" (3) rounded up
        int m = concepts * rowsPerConcept;
        int perChunk = 32;
        SplittableRandom rnd = new SplittableRandom(seed);
        DMatrixRMaj c = new DMatrixRMaj(m, d);
        for (int i = 0; i < c.data.length; i++) {
            c.data[i] = rnd.nextGaussian();
        }
        try (NDManager data = ComputeDevice.newManager()) {
            Engine.getInstance().setRandomSeed((int) seed);
            List<NDArray> chunks = new ArrayList<>();
            for (int start = 0; start < captions; start += perChunk) {
                int n = Math.min(perChunk, captions - start) * tokensPerCaption;
                chunks.add(data.randomNormal(new Shape(n, d)));
            }
            int[] outs = shapes.layerOutputs();
            // float32 weights, as a real model's and the reference script's, held as the merge service holds them
            List<float[]> base = new ArrayList<>();
            List<List<float[]>> tuned = new ArrayList<>();
            for (int out : outs) {
                NDArray w0 = data.randomNormal(0f, (float) (1.0 / Math.sqrt(d)), new Shape(out, d), DataType.FLOAT32);
                base.add(w0.toFloatArray());
                List<float[]> perConcept = new ArrayList<>();
                for (int k = 0; k < concepts; k++) {
                    perConcept.add(w0.add(data.randomNormal(0f, (float) (0.01 / Math.sqrt(d)), new Shape(out, d),
                            DataType.FLOAT32)).toFloatArray());
                }
                tuned.add(perConcept);
            }
            int[] targetSource = new int[m];
            for (int i = 0; i < m; i++) {
                targetSource[i] = i / rowsPerConcept;
            }
            long serviceWarmUpMillis = -1;
            if (serviceWarmUp) {
                Map<String, float[]> kv = new java.util.LinkedHashMap<>();
                for (int l = 0; l < base.size(); l++) {
                    kv.put("layer" + l, base.get(l));
                }
                long started = System.nanoTime();
                MergeWarmUp.run(kv, d, seed);
                serviceWarmUpMillis = (System.nanoTime() - started) / 1_000_000;
            }
            Path cacheFile = Files.createTempFile("cdiff-bench-gram-", ".safetensors");
            try {
                long[] gramMs = new long[runs];
                long[] solveMs = new long[runs];
                long[] layerMs = new long[runs];
                long[] coldMs = new long[runs];
                long[] warmMs = new long[runs];
                long[] warmReadNs = new long[runs];
                long[] warmSolveNs = new long[runs];
                long[] warmLayerNs = new long[runs];
                double maxErr = 0;
                long rows = 0;
                long firstCold = 0;
                for (int run = -warmups; run < runs; run++) {
                    long t0 = System.nanoTime();
                    RegularizationGram gram = new RegularizationGram(d, backend);
                    for (NDArray chunk : chunks) {
                        gram.add(chunk);
                    }
                    long t1 = System.nanoTime();
                    MergeProjector projector = MergeProjector.build(gram, c, MergeProjector.DEFAULT_RIDGE_FRACTION);
                    long t2 = System.nanoTime();
                    maxErr = Math.max(maxErr, mergeLayers(projector, base, tuned, targetSource));
                    long t3 = System.nanoTime();
                    gram.write(cacheFile);
                    long t4 = System.nanoTime();
                    RegularizationGram cached = RegularizationGram.read(cacheFile);
                    long t4r = System.nanoTime();
                    MergeProjector warmProjector = MergeProjector.build(cached, c,
                            MergeProjector.DEFAULT_RIDGE_FRACTION);
                    long t4s = System.nanoTime();
                    maxErr = Math.max(maxErr, mergeLayers(warmProjector, base, tuned, targetSource));
                    long t5 = System.nanoTime();
                    rows = gram.rows();
                    if (run == -warmups) {
                        firstCold = (t3 - t0) / 1_000_000;
                    }
                    if (run >= 0) {
                        gramMs[run] = (t1 - t0) / 1_000_000;
                        solveMs[run] = (t2 - t1) / 1_000_000;
                        layerMs[run] = (t3 - t2) / 1_000_000;
                        coldMs[run] = (t3 - t0) / 1_000_000;
                        warmMs[run] = (t5 - t4) / 1_000_000;
                        warmReadNs[run] = t4r - t4;
                        warmSolveNs[run] = t4s - t4r;
                        warmLayerNs[run] = t5 - t4s;
                    }
                }
                return new Result(outs.length, d, rows, median(gramMs), median(solveMs), median(layerMs),
                        median(coldMs), median(warmMs), maxErr, firstCold, coldMs, warmMs,
                        new WarmParts(median(warmReadNs) / 1e6, median(warmSolveNs) / 1e6, median(warmLayerNs) / 1e6),
                        serviceWarmUpMillis);
            } finally {
                Files.deleteIfExists(cacheFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every layer's merge; returns the largest constraint error. */
    private static double mergeLayers(MergeProjector projector, List<float[]> base, List<List<float[]>> tuned,
                                      int[] targetSource) {
        return AllLayersMerge.merge(projector, base, tuned, targetSource, true).maxConstraintError();
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

}

package dev.cdiff.toyworld.pretrain;

import java.util.SplittableRandom;

/** Standard normal floats from a SplittableRandom (Box-Muller with StrictMath: identical on every JVM). */
final class Gaussian {
    private Gaussian() {}

    static float[] floats(SplittableRandom random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i += 2) {
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            out[i] = (float) (r * StrictMath.cos(2 * Math.PI * u2));
            if (i + 1 < n) out[i + 1] = (float) (r * StrictMath.sin(2 * Math.PI * u2));
        }
        return out;
    }
}

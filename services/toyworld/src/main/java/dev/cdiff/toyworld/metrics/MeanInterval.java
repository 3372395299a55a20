package dev.cdiff.toyworld.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A mean over per-image scores with a bootstrap percentile interval: how far the mean could move with other samples
 * from the same model. A headline measured on a few dozen generated images is only as sharp as this interval, so a
 * target missed or met by less than its width is not settled by one run.
 *
 * @param value  the mean of the scores
 * @param low    lower end of the interval
 * @param high   upper end of the interval
 * @param level  central coverage, e.g. 0.9
 * @param images how many scores the mean is over
 */
public record MeanInterval(double value, double low, double high, double level, int images) {

    /**
     * @param scores    one score per image (not modified)
     * @param level     central coverage in (0, 1)
     * @param resamples bootstrap resamples (>= 1)
     * @param seed      of the resampling, so a report is reproducible
     */
    public static MeanInterval bootstrap(double[] scores, double level, int resamples, long seed) {
        int n = scores.length;
        if (n == 0) {
            throw new IllegalArgumentException("no scores to take the mean of");
        }
        if (!(level > 0 && level < 1) || resamples < 1) {
            throw new IllegalArgumentException("level must be in (0, 1) and resamples >= 1, got " + level + " and "
                + resamples);
        }
        for (double s : scores) {
            if (!Double.isFinite(s)) {
                throw new IllegalArgumentException("scores must be finite, got " + s);
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += scores[random.nextInt(n)];
            means[r] = sum / n;
        }
        Arrays.sort(means);
        double tail = (1 - level) / 2;
        return new MeanInterval(Arrays.stream(scores).sum() / n, quantile(means, tail), quantile(means, 1 - tail),
            level, n);
    }

    /** The q-quantile of sorted bootstrap statistics (nearest rank); also the forgetting ratio's interval ends. */
    static double quantile(double[] sorted, double q) {
        int k = (int) Math.round(q * (sorted.length - 1));
        return sorted[Math.max(0, Math.min(sorted.length - 1, k))];
    }
}

package dev.cdiff.toyworld.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Forgetting after fine-tuning: text alignment on plain class prompts ("a red circle") from the model before
 * fine-tuning minus the same from the model after. Positive drop = the model forgot part of the class.
 */
public final class Forgetting {
    private final TextAlignment alignment;

    public Forgetting(TextAlignment alignment) {
        this.alignment = alignment;
    }

    public ForgettingResult measure(List<PromptedImage> before, List<PromptedImage> after) {
        double b = alignment.mean(before);
        double a = alignment.mean(after);
        return new ForgettingResult(b, a, b - a);
    }

    public record ForgettingResult(double alignmentBefore, double alignmentAfter, double drop) {}

    /**
     * How much model A forgot relative to model B, with a paired-bootstrap percentile interval.
     *
     * <p>The three image lists must be paired: image i of each came from the same prompt and the same initial noise
     * (the evaluation samples every model with the same seeds), so the per-image drops share that noise and a
     * resample keeps the pairs together. A ratio of two small drops from a few dozen images swings widely; the
     * interval says how widely. A resample in which B forgot nothing has no ratio and counts as unbounded, so the
     * upper end is infinite when that happens often enough to matter.
     *
     * @param level     central coverage of the interval, e.g. 0.9
     * @param resamples bootstrap resamples
     * @param seed      of the resampling, so a report is reproducible
     */
    public RatioInterval ratio(List<PromptedImage> before, List<PromptedImage> a, List<PromptedImage> b, double level,
                               int resamples, long seed) {
        int n = before.size();
        if (n == 0 || a.size() != n || b.size() != n) {
            throw new IllegalArgumentException("paired image lists must have one equal, non-zero size, got "
                + n + ", " + a.size() + ", " + b.size());
        }
        if (!(level > 0 && level < 1) || resamples < 1) {
            throw new IllegalArgumentException("level must be in (0, 1) and resamples >= 1");
        }
        double[] dropA = new double[n];
        double[] dropB = new double[n];
        for (int i = 0; i < n; i++) {
            String prompt = before.get(i).prompt();
            if (!prompt.equals(a.get(i).prompt()) || !prompt.equals(b.get(i).prompt())) {
                throw new IllegalArgumentException("image " + i + " is not paired: prompts '" + prompt + "', '"
                    + a.get(i).prompt() + "', '" + b.get(i).prompt() + "'");
            }
            double s = alignment.score(prompt, before.get(i).image());
            dropA[i] = s - alignment.score(prompt, a.get(i).image());
            dropB[i] = s - alignment.score(prompt, b.get(i).image());
        }
        double value = ratioOf(dropA, dropB, null);
        SplittableRandom random = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        int[] pick = new int[n];
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < n; i++) pick[i] = random.nextInt(n);
            stats[r] = ratioOf(dropA, dropB, pick);
        }
        Arrays.sort(stats);
        double tail = (1 - level) / 2;
        return new RatioInterval(value, MeanInterval.quantile(stats, tail), MeanInterval.quantile(stats, 1 - tail), level,
            n);
    }

    /** value = A's mean drop / B's; NaN when B forgot nothing. low/high: the bootstrap interval (high may be +inf). */
    public record RatioInterval(double value, double low, double high, double level, int images) {}

    private static double ratioOf(double[] dropA, double[] dropB, int[] pick) {
        double sa = 0;
        double sb = 0;
        for (int i = 0; i < dropA.length; i++) {
            int k = pick == null ? i : pick[i];
            sa += dropA[k];
            sb += dropB[k];
        }
        if (sb > 0) return sa / sb;
        return pick == null ? Double.NaN : Double.POSITIVE_INFINITY;
    }
}

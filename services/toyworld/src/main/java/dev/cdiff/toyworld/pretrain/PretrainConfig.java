package dev.cdiff.toyworld.pretrain;

/**
 * Optimisation settings of one pretraining stage. Learning rate warms up linearly for warmupSteps, then follows
 * a cosine to 10 % of lr at the last step.
 */
public record PretrainConfig(int steps, int batchSize, double lr, int warmupSteps, double weightDecay,
                             double gradClip, double captionDropout, long seed) {
    public PretrainConfig {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be positive, got " + lr);
        if (warmupSteps < 0) throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        if (captionDropout < 0 || captionDropout > 1) {
            throw new IllegalArgumentException("captionDropout must be in [0,1], got " + captionDropout);
        }
    }

    public double learningRate(int step) {
        if (step < warmupSteps) return lr * (step + 1) / warmupSteps;
        double progress = steps <= warmupSteps ? 1 : (step - warmupSteps) / (double) Math.max(1, steps - warmupSteps - 1);
        return lr * (0.1 + 0.9 * 0.5 * (1 + StrictMath.cos(Math.PI * Math.min(1, progress))));
    }

    public static PretrainConfig vaeDefaults() {
        return new PretrainConfig(4000, 32, 1e-3, 200, 0.0, 1.0, 0.0, 1);
    }

    public static PretrainConfig diffusionDefaults() {
        return new PretrainConfig(15000, 32, 3e-4, 500, 0.01, 1.0, 0.1, 2);
    }
}

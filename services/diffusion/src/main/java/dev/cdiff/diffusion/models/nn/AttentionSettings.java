package dev.cdiff.diffusion.models.nn;

/** Run-time switches shared by all attention layers of one model. */
public final class AttentionSettings {
    /** Score matrices larger than this many elements are computed in slices over batch x heads. */
    public static final long DEFAULT_MAX_SCORE_ELEMENTS = 16L * 1024 * 1024;

    private volatile boolean detachFirstTokenKv;
    private volatile long maxScoreElements = DEFAULT_MAX_SCORE_ELEMENTS;

    public boolean detachFirstTokenKv() {
        return detachFirstTokenKv;
    }

    public void setDetachFirstTokenKv(boolean detach) {
        this.detachFirstTokenKv = detach;
    }

    public long maxScoreElements() {
        return maxScoreElements;
    }

    public void setMaxScoreElements(long elements) {
        if (elements < 1) {
            throw new IllegalArgumentException("maxScoreElements must be positive: " + elements);
        }
        this.maxScoreElements = elements;
    }
}

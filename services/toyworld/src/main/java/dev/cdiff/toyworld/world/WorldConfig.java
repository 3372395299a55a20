package dev.cdiff.toyworld.world;

/**
 * Generator settings. imageSize must be a multiple of 16 (patterns and stripes scale with side/16).
 */
public record WorldConfig(int imageSize, double twoObjectProbability, double stripedBackgroundProbability,
                          HeldOutSplit heldOut) {
    public WorldConfig {
        if (imageSize < 16 || imageSize % 16 != 0) {
            throw new IllegalArgumentException("imageSize must be a positive multiple of 16, got " + imageSize);
        }
        if (twoObjectProbability < 0 || twoObjectProbability > 1) {
            throw new IllegalArgumentException("twoObjectProbability must be in [0,1], got " + twoObjectProbability);
        }
        if (stripedBackgroundProbability < 0 || stripedBackgroundProbability > 1) {
            throw new IllegalArgumentException("stripedBackgroundProbability must be in [0,1], got " + stripedBackgroundProbability);
        }
        if (heldOut == null) throw new IllegalArgumentException("heldOut split is required");
    }

    public static WorldConfig defaults() {
        return new WorldConfig(32, 0.4, 0.2, HeldOutSplit.standard());
    }

    public WorldConfig withImageSize(int size) {
        return new WorldConfig(size, twoObjectProbability, stripedBackgroundProbability, heldOut);
    }
}

package dev.cdiff.toyworld.pretrain;

import dev.cdiff.toyworld.image.PatternedScenes;

/**
 * What a decoder-only stage minimises and on which images. Pixel L1 alone weighs a small object's 2-px pattern by
 * its few pixels, so a decoder that draws a checker as diagonal stripes loses little; the edge term compares the
 * horizontal and vertical pixel differences of reconstruction and image, which is where two such patterns differ
 * everywhere inside the object.
 *
 * @param edgeWeight        weight of the L1 of the pixel-difference error (0 = plain L1, the earlier stages)
 * @param patternedShare    share of each batch drawn from {@link PatternedScenes#generate} (base-world scenes whose
 *                          objects wear random two-colour patterns, never a concept's own fill)
 * @param singleObjectShare share drawn from {@link PatternedScenes#generateSingle} (one patterned object of any size,
 *                          placed as concept targets are)
 * @param pairShare         share drawn from {@link PatternedScenes#generatePair} (two patterned objects side by side,
 *                          placed as a two-concept composition is); textures keep their share, base-world images get
 *                          the rest
 */
public record DecoderObjective(double edgeWeight, double patternedShare, double singleObjectShare, double pairShare) {
    /** The objective and mix of every stage before the edge term existed. */
    public static final DecoderObjective PIXEL_L1 = new DecoderObjective(0, VaePretrainer.PATTERNED_SCENE_SHARE, 0);

    /** The mix of the stages before two-object patterned scenes existed. */
    public DecoderObjective(double edgeWeight, double patternedShare, double singleObjectShare) {
        this(edgeWeight, patternedShare, singleObjectShare, 0);
    }

    public DecoderObjective {
        if (!(edgeWeight >= 0) || Double.isInfinite(edgeWeight)) {
            throw new IllegalArgumentException("edgeWeight must be finite and >= 0, got " + edgeWeight);
        }
        if (!(patternedShare >= 0) || !(singleObjectShare >= 0) || !(pairShare >= 0)
                || !(patternedShare + singleObjectShare + pairShare <= 1 - VaePretrainer.TEXTURE_SHARE + 1e-12)) {
            throw new IllegalArgumentException("patternedShare, singleObjectShare and pairShare must be >= 0 and sum to"
                + " at most " + (1 - VaePretrainer.TEXTURE_SHARE) + ", got " + patternedShare + ", "
                + singleObjectShare + " and " + pairShare);
        }
    }
}

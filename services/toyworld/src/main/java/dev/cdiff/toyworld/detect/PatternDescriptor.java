package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.world.PaletteColor;

/**
 * Appearance of an object independent of its shape and position: the share of each palette colour among its
 * object-coloured pixels, neighbour-change rates along four directions (horizontal, vertical, main diagonal,
 * anti-diagonal) between its two main colours, and how ring-like it is (0 = not, 1 = clean outer band).
 */
public record PatternDescriptor(double[] colorShares, double horizontal, double vertical,
                                double diagonal, double antiDiagonal, double ringness) {
    public PatternDescriptor {
        if (colorShares.length != PaletteColor.values().length) {
            throw new IllegalArgumentException("colorShares needs one entry per palette colour");
        }
        colorShares = colorShares.clone();
    }

    @Override
    public double[] colorShares() { return colorShares.clone(); }

    public double share(PaletteColor c) { return colorShares[c.ordinal()]; }

    /**
     * Similarity in [0,1]: (1 - total-variation distance of colour shares) x (1 - mean absolute difference of
     * the texture rates). 1 means identical appearance.
     */
    public double similarity(PatternDescriptor other) {
        double tv = 0;
        for (int i = 0; i < colorShares.length; i++) tv += Math.abs(colorShares[i] - other.colorShares[i]);
        tv /= 2;
        double texture = (Math.abs(horizontal - other.horizontal) + Math.abs(vertical - other.vertical)
            + Math.abs(diagonal - other.diagonal) + Math.abs(antiDiagonal - other.antiDiagonal)
            + Math.abs(ringness - other.ringness)) / 5.0;
        return Math.max(0, Math.min(1, (1 - tv) * (1 - texture)));
    }

    /** Component-wise mean, for a concept's reference appearance over several images. */
    public static PatternDescriptor mean(java.util.List<PatternDescriptor> descriptors) {
        if (descriptors.isEmpty()) throw new IllegalArgumentException("cannot average zero descriptors");
        int n = descriptors.size();
        double[] shares = new double[PaletteColor.values().length];
        double h = 0, v = 0, d = 0, a = 0, r = 0;
        for (PatternDescriptor p : descriptors) {
            for (int i = 0; i < shares.length; i++) shares[i] += p.colorShares[i] / n;
            h += p.horizontal / n;
            v += p.vertical / n;
            d += p.diagonal / n;
            a += p.antiDiagonal / n;
            r += p.ringness / n;
        }
        return new PatternDescriptor(shares, h, v, d, a, r);
    }
}

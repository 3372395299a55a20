package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Fill;
import dev.cdiff.toyworld.world.FillPattern;
import dev.cdiff.toyworld.world.PaletteColor;

/**
 * Recovers an object's fill from its pixels. Each pixel is labelled with its nearest palette colour.
 * RING: pixel depth levels split into a pure outer band and a pure inside of another colour.
 * SOLID: one colour holds at least 80% of the inner pixels.
 * DIAGONAL_STRIPES: the two main colours change between main-diagonal neighbours but not anti-diagonal ones.
 * CHECKER: they change horizontally and vertically, equally along both diagonals.
 */
final class PatternAnalyzer {
    private static final double SOLID_SHARE = 0.8;
    private static final double RING_PURITY = 0.75;

    private PatternAnalyzer() {}

    record Analysis(Fill fill, PatternDescriptor descriptor) {}

    static Analysis analyze(ToyImage image, Component c, BackgroundModel bg) {
        int n = c.area();
        int s = c.imageSize();
        PaletteColor[] label = new PaletteColor[n];
        int maxDepth = 0;
        for (int i = 0; i < n; i++) {
            int p = c.pixels()[i];
            label[i] = PaletteColor.nearest(image.get(p % s, p / s));
            maxDepth = Math.max(maxDepth, c.depth()[i]);
        }
        // The colour choice uses the core (edges may be blends with the background); the descriptor's colour
        // shares use every pixel of an object colour, so thin bands such as rings count in full.
        int coreDepth = maxDepth >= 2 ? 2 : 1;
        double[] coreShares = new double[PaletteColor.values().length];
        double[] shares = new double[PaletteColor.values().length];
        int coreCount = 0;
        int objectCount = 0;
        for (int i = 0; i < n; i++) {
            if (c.depth()[i] >= coreDepth) {
                coreShares[label[i].ordinal()]++;
                coreCount++;
            }
            if (label[i].isObjectColor()) {
                shares[label[i].ordinal()]++;
                objectCount++;
            }
        }
        for (int k = 0; k < shares.length; k++) {
            coreShares[k] /= coreCount;
            shares[k] = objectCount == 0 ? 0 : shares[k] / objectCount;
        }
        PaletteColor first = argmax(coreShares, null);
        PaletteColor second = argmax(coreShares, first);
        double[] rates = transitionRates(c, label, first, second);
        Ring ring = findRing(image, c, bg, label, maxDepth);
        if (ring == null) ring = findEnclosedRing(image, c, bg, label, first, second);
        PatternDescriptor descriptor = new PatternDescriptor(shares, rates[0], rates[1], rates[2], rates[3],
            ring == null ? 0 : ring.purity);
        Fill fill;
        if (ring != null) {
            fill = new Fill(FillPattern.RING, ring.outer, ring.inner);
        } else if (coreShares[first.ordinal()] >= SOLID_SHARE || coreShares[second.ordinal()] == 0) {
            fill = Fill.solid(first);
        } else {
            PaletteColor lo = first.ordinal() < second.ordinal() ? first : second;
            PaletteColor hi = lo == first ? second : first;
            if (rates[3] <= 0.15 && rates[2] >= 0.3) {
                fill = new Fill(FillPattern.DIAGONAL_STRIPES, lo, hi);
            } else if (rates[0] >= 0.15 && rates[1] >= 0.15 && Math.abs(rates[2] - rates[3]) <= 0.15) {
                fill = new Fill(FillPattern.CHECKER, lo, hi);
            } else {
                fill = Fill.solid(first);
            }
        }
        return new Analysis(fill, descriptor);
    }

    private record Ring(PaletteColor outer, PaletteColor inner, double purity) {}

    private static Ring findRing(ToyImage image, Component c, BackgroundModel bg, PaletteColor[] label, int maxDepth) {
        if (maxDepth < 2) return null;
        int colors = PaletteColor.values().length;
        int[][] levelCounts = new int[maxDepth + 1][colors];
        // White, gray and black are never object colours; inside an object they are blends of two fill colours.
        for (int i = 0; i < label.length; i++) {
            if (label[i].isObjectColor()) levelCounts[c.depth()[i]][label[i].ordinal()]++;
        }
        // A first level made of blends between the next level's colour and the background is a blurred edge.
        int start = 1;
        PaletteColor second = PaletteColor.values()[argmax(levelCounts[2])];
        int blends = 0;
        int levelOne = 0;
        int s = c.imageSize();
        for (int i = 0; i < label.length; i++) {
            if (c.depth()[i] != 1) continue;
            levelOne++;
            int p = c.pixels()[i];
            int rgb = image.get(p % s, p / s);
            if (label[i] != second && bg.isBlendWithBackground(rgb, second.rgb())) blends++;
        }
        if (blends * 2 > levelOne) start = 2;
        Ring best = null;
        for (int split = start; split < maxDepth; split++) {
            int[] outer = new int[colors];
            int[] inner = new int[colors];
            for (int d = start; d <= maxDepth; d++) {
                for (int k = 0; k < colors; k++) (d <= split ? outer : inner)[k] += levelCounts[d][k];
            }
            int o = argmax(outer);
            int in = argmax(inner);
            int outerTotal = sum(outer);
            int innerTotal = sum(inner);
            if (o == in || innerTotal < 2 || outerTotal < 4) continue;
            PaletteColor outerColor = PaletteColor.values()[o];
            PaletteColor innerColor = PaletteColor.values()[in];
            if (!outerColor.isObjectColor() || !innerColor.isObjectColor()) continue;
            double po = outer[o] / (double) outerTotal;
            double pi = inner[in] / (double) innerTotal;
            if (po < RING_PURITY || pi < RING_PURITY) continue;
            double purity = (po + pi) / 2;
            if (best == null || purity > best.purity) best = new Ring(outerColor, innerColor, purity);
        }
        return best;
    }

    /**
     * Fallback for thin or blurred rings: the inner colour stays off the object's edge and lies deeper on
     * average than the outer colour. Pixels that are blends of the inner colour with the background are ignored,
     * so a blurred solid object's edge is not mistaken for a band.
     */
    private static Ring findEnclosedRing(ToyImage image, Component c, BackgroundModel bg, PaletteColor[] label,
                                         PaletteColor a, PaletteColor b) {
        if (!a.isObjectColor() || !b.isObjectColor()) return null;
        Ring ab = enclosed(image, c, bg, label, a, b);
        return ab != null ? ab : enclosed(image, c, bg, label, b, a);
    }

    private static Ring enclosed(ToyImage image, Component c, BackgroundModel bg, PaletteColor[] label,
                                 PaletteColor outer, PaletteColor inner) {
        int s = c.imageSize();
        int outerCount = 0, innerCount = 0, edgeTotal = 0, edgeInner = 0, objectPixels = 0;
        double outerDepth = 0, innerDepth = 0;
        for (int i = 0; i < label.length; i++) {
            if (!label[i].isObjectColor()) continue;
            int p = c.pixels()[i];
            if (label[i] != inner && bg.isBlendWithBackground(image.get(p % s, p / s), inner.rgb())) continue;
            objectPixels++;
            int d = c.depth()[i];
            if (d == 1) edgeTotal++;
            if (label[i] == outer) {
                outerCount++;
                outerDepth += d;
            } else if (label[i] == inner) {
                innerCount++;
                innerDepth += d;
                if (d == 1) edgeInner++;
            }
        }
        if (objectPixels == 0 || outerCount < 0.3 * objectPixels || innerCount < Math.max(2, 0.1 * objectPixels)) return null;
        if (edgeTotal == 0 || edgeInner > 0.2 * edgeTotal) return null;
        if (innerDepth / innerCount < outerDepth / outerCount + 0.75) return null;
        double purity = (outerCount + innerCount) / (double) objectPixels;
        return purity >= RING_PURITY ? new Ring(outer, inner, purity) : null;
    }

    /** Change rates between the two main colours: horizontal, vertical, main diagonal, anti-diagonal. */
    private static double[] transitionRates(Component c, PaletteColor[] label, PaletteColor a, PaletteColor b) {
        int s = c.imageSize();
        PaletteColor[] grid = new PaletteColor[s * s];
        for (int i = 0; i < label.length; i++) grid[c.pixels()[i]] = label[i];
        int[][] steps = {{1, 0}, {0, 1}, {1, 1}, {-1, 1}};
        double[] rates = new double[4];
        for (int k = 0; k < 4; k++) {
            int pairs = 0;
            int changes = 0;
            for (int p : c.pixels()) {
                int x2 = p % s + steps[k][0];
                int y2 = p / s + steps[k][1];
                if (x2 < 0 || x2 >= s || y2 >= s) continue;
                PaletteColor l1 = grid[p];
                PaletteColor l2 = grid[y2 * s + x2];
                if (!isMain(l1, a, b) || !isMain(l2, a, b)) continue;
                pairs++;
                if (l1 != l2) changes++;
            }
            rates[k] = pairs == 0 ? 0 : changes / (double) pairs;
        }
        return rates;
    }

    private static boolean isMain(PaletteColor l, PaletteColor a, PaletteColor b) {
        return l != null && (l == a || l == b);
    }

    private static PaletteColor argmax(double[] shares, PaletteColor exclude) {
        PaletteColor best = null;
        for (PaletteColor c : PaletteColor.values()) {
            if (c == exclude) continue;
            if (best == null || shares[c.ordinal()] > shares[best.ordinal()]) best = c;
        }
        return best;
    }

    private static int argmax(int[] counts) {
        int best = 0;
        for (int k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
        return best;
    }

    private static int sum(int[] counts) {
        int t = 0;
        for (int v : counts) t += v;
        return t;
    }
}

package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Background;
import dev.cdiff.toyworld.world.BackgroundPattern;
import dev.cdiff.toyworld.world.PaletteColor;
import java.util.EnumMap;
import java.util.Map;

/**
 * The background estimated from the image border (objects never touch it). A pixel is background when it is
 * within {@code threshold} of the background colour, or for stripes of any blend of the two stripe colours.
 */
public final class BackgroundModel {
    private final Background background;
    private final double threshold;

    private BackgroundModel(Background background, double threshold) {
        this.background = background;
        this.threshold = threshold;
    }

    public static BackgroundModel estimate(ToyImage image, double threshold) {
        Map<PaletteColor, Integer> counts = new EnumMap<>(PaletteColor.class);
        int w = image.width();
        int h = image.height();
        int total = 0;
        for (int x = 0; x < w; x++) {
            count(counts, image.get(x, 0));
            count(counts, image.get(x, h - 1));
            total += 2;
        }
        for (int y = 1; y < h - 1; y++) {
            count(counts, image.get(0, y));
            count(counts, image.get(w - 1, y));
            total += 2;
        }
        PaletteColor first = null;
        PaletteColor second = null;
        for (PaletteColor c : PaletteColor.values()) {
            int n = counts.getOrDefault(c, 0);
            if (first == null || n > counts.getOrDefault(first, 0)) {
                second = first;
                first = c;
            } else if (second == null || n > counts.getOrDefault(second, 0)) {
                second = c;
            }
        }
        double firstShare = counts.getOrDefault(first, 0) / (double) total;
        double secondShare = counts.getOrDefault(second, 0) / (double) total;
        boolean striped = (first == PaletteColor.WHITE || second == PaletteColor.WHITE)
            && firstShare >= 0.25 && secondShare >= 0.25 && firstShare + secondShare >= 0.85;
        Background bg = striped
            ? new Background(first == PaletteColor.WHITE ? second : first, BackgroundPattern.STRIPED)
            : Background.plain(first);
        return new BackgroundModel(bg, threshold);
    }

    private static void count(Map<PaletteColor, Integer> counts, int rgb) {
        counts.merge(PaletteColor.nearest(rgb), 1, Integer::sum);
    }

    public Background background() { return background; }

    public boolean isBackground(int rgb) {
        return distance(rgb) <= threshold;
    }

    /** Distance to the background model; for stripes the distance to any blend of the stripe colours. */
    public double distance(int rgb) {
        if (background.pattern() == BackgroundPattern.STRIPED) {
            return ColorMath.distanceToSegment(rgb, background.color().rgb(), PaletteColor.WHITE.rgb());
        }
        return ColorMath.distance(rgb, background.color().rgb());
    }

    /** Whether p looks like a blend of colour c with the background (an anti-aliased or blurred edge). */
    public boolean isBlendWithBackground(int p, int c) {
        if (ColorMath.distanceToSegment(p, c, background.color().rgb()) <= threshold) return true;
        return background.pattern() == BackgroundPattern.STRIPED
            && ColorMath.distanceToSegment(p, c, PaletteColor.WHITE.rgb()) <= threshold;
    }
}

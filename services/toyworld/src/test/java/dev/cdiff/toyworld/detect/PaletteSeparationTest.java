package dev.cdiff.toyworld.detect;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdiff.toyworld.world.PaletteColor;
import org.junit.jupiter.api.Test;

/** The detector's colour threshold relies on these margins. */
class PaletteSeparationTest {
    @Test
    void objectColoursAreFarFromEveryBackgroundTheyMayAppearOn() {
        double threshold = SceneDetector.DEFAULT_COLOR_THRESHOLD;
        double smallest = Double.MAX_VALUE;
        for (PaletteColor object : PaletteColor.objectColors()) {
            for (PaletteColor bg : PaletteColor.values()) {
                if (bg == object) continue;
                smallest = Math.min(smallest, ColorMath.distance(object.rgb(), bg.rgb()));
                if (bg != PaletteColor.WHITE) {
                    smallest = Math.min(smallest, ColorMath.distanceToSegment(object.rgb(), bg.rgb(), PaletteColor.WHITE.rgb()));
                }
            }
        }
        System.out.printf("smallest object-to-background distance %.1f, threshold %.1f%n", smallest, threshold);
        assertTrue(smallest > 2 * threshold, "margin " + smallest + " is not above twice the threshold " + threshold);
    }
}

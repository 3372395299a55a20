package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.world.Background;
import java.util.List;

/** What the detector recovered from an image; objects are ordered by decreasing area. */
public record DetectedScene(Background background, List<DetectedObject> objects) {
    public DetectedScene {
        objects = List.copyOf(objects);
    }
}

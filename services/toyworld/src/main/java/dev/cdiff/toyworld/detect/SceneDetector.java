package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.world.Fill;
import dev.cdiff.toyworld.world.Position;
import dev.cdiff.toyworld.world.Size;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Recovers background and objects from a toy-world image: background from the border, objects as connected
 * non-background regions above a minimum area, then shape, size, position, colour and fill per region.
 * The colour threshold (default 45) is under half the smallest distance between an object colour and any
 * background colour or stripe blend, so noisy or blurred model samples still segment.
 */
public final class SceneDetector {
    public static final double DEFAULT_COLOR_THRESHOLD = 45.0;
    private final double colorThreshold;

    public SceneDetector() {
        this(DEFAULT_COLOR_THRESHOLD);
    }

    public SceneDetector(double colorThreshold) {
        if (!(colorThreshold > 0)) throw new IllegalArgumentException("colorThreshold must be positive: " + colorThreshold);
        this.colorThreshold = colorThreshold;
    }

    /** Component pixels closer to one of the object's colours than to the background. */
    private static boolean[] shapeMask(ToyImage image, Component c, BackgroundModel bg, Fill fill) {
        int s = c.imageSize();
        boolean[] mask = new boolean[s * s];
        for (int p : c.pixels()) {
            int rgb = image.get(p % s, p / s);
            double toObject = ColorMath.distance(rgb, fill.primary().rgb());
            if (fill.secondary() != null) toObject = Math.min(toObject, ColorMath.distance(rgb, fill.secondary().rgb()));
            mask[p] = toObject <= bg.distance(rgb);
        }
        return mask;
    }

    public DetectedScene detect(ToyImage image) {
        if (image.width() != image.height()) {
            throw new IllegalArgumentException("toy-world images are square, got " + image.width() + "x" + image.height());
        }
        int s = image.width();
        BackgroundModel bg = BackgroundModel.estimate(image, colorThreshold);
        int minArea = Math.max(4, s * s / 128);
        List<DetectedObject> objects = new ArrayList<>();
        for (Component c : Segmenter.components(image, bg, minArea)) {
            PatternAnalyzer.Analysis pattern = PatternAnalyzer.analyze(image, c, bg);
            ShapeClassifier.Result shape = ShapeClassifier.classify(c, shapeMask(image, c, bg, pattern.fill()));
            double cx = (shape.minX() + shape.maxX() + 1) / 2.0 / s;
            double cy = (shape.minY() + shape.maxY() + 1) / 2.0 / s;
            Fill fill = pattern.fill();
            objects.add(new DetectedObject(shape.shape(), fill.primary(),
                Size.ofExtent(shape.extent(), s), Position.nearest(cx, cy), fill,
                pattern.descriptor(), shape.minX(), shape.minY(), shape.maxX(), shape.maxY(), c.area(), shape.iou()));
        }
        objects.sort(Comparator.comparingInt(DetectedObject::area).reversed());
        return new DetectedScene(bg.background(), objects);
    }
}

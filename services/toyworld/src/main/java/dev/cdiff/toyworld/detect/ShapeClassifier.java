package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.world.Shape;

/**
 * Names a component's shape by re-drawing every candidate shape into the component's bounding box and keeping
 * the one with the highest intersection-over-union with the component's pixels. Using the generator's own
 * shape definitions makes this exact on clean images and tolerant of ragged edges.
 */
final class ShapeClassifier {
    private static final double[] RADIUS_OFFSETS = {-0.5, -0.25, 0.0, 0.25};
    /** Rasterisation can shift a small shape's pixels by up to half a pixel against its bounding-box centre. */
    private static final double[] CENTER_OFFSETS = {-0.5, -0.25, 0.0, 0.25, 0.5};

    private ShapeClassifier() {}

    /** The best shape, its fit, and the bounding box of the shape mask (inclusive). */
    record Result(Shape shape, double iou, int minX, int minY, int maxX, int maxY) {
        int extent() { return Math.max(maxX - minX + 1, maxY - minY + 1); }
    }

    /** shapeMask marks the pixels that are mostly object (blurred edge pixels that are mostly background are not). */
    static Result classify(Component c, boolean[] shapeMask) {
        int s = c.imageSize();
        boolean[] inComponent = shapeMask;
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        for (int p : c.pixels()) {
            if (!shapeMask[p]) continue;
            minX = Math.min(minX, p % s);
            maxX = Math.max(maxX, p % s);
            minY = Math.min(minY, p / s);
            maxY = Math.max(maxY, p / s);
        }
        if (maxX < 0) {
            minX = c.minX();
            minY = c.minY();
            maxX = c.maxX();
            maxY = c.maxY();
            inComponent = new boolean[s * s];
            for (int p : c.pixels()) inComponent[p] = true;
        }
        double cx = (minX + maxX + 1) / 2.0;
        double cy = (minY + maxY + 1) / 2.0;
        double half = Math.max(maxX - minX + 1, maxY - minY + 1) / 2.0;
        Shape best = Shape.CIRCLE;
        double bestIou = -1;
        for (Shape shape : Shape.values()) {
            for (double offset : RADIUS_OFFSETS) {
                double r = half + offset;
                if (r <= 0.5) continue;
                for (double ox : CENTER_OFFSETS) {
                    for (double oy : CENTER_OFFSETS) {
                        double iou = iou(inComponent, s, c, shape, cx + ox, cy + oy, r);
                        if (iou > bestIou) {
                            bestIou = iou;
                            best = shape;
                        }
                    }
                }
            }
        }
        return new Result(best, bestIou, minX, minY, maxX, maxY);
    }

    private static double iou(boolean[] comp, int s, Component c, Shape shape, double cx, double cy, double r) {
        int intersection = 0;
        int union = 0;
        int x0 = Math.max(0, c.minX() - 1);
        int x1 = Math.min(s - 1, c.maxX() + 1);
        int y0 = Math.max(0, c.minY() - 1);
        int y1 = Math.min(s - 1, c.maxY() + 1);
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                boolean a = comp[y * s + x];
                boolean b = shape.contains(x + 0.5 - cx, y + 0.5 - cy, r);
                if (a && b) intersection++;
                if (a || b) union++;
            }
        }
        return union == 0 ? 0 : intersection / (double) union;
    }
}

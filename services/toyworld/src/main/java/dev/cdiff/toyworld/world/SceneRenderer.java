package dev.cdiff.toyworld.world;

import dev.cdiff.toyworld.image.ToyImage;

/**
 * Rasterises scenes without anti-aliasing: a pixel belongs to a shape when its centre does, so every pixel
 * has exactly one palette colour and detectors can recover the scene exactly.
 */
public final class SceneRenderer {
    private SceneRenderer() {}

    public static ToyImage render(Scene scene) {
        int size = scene.imageSize();
        ToyImage image = new ToyImage(size, size);
        paintBackground(image, scene.background());
        for (SceneObject o : scene.objects()) {
            paintObject(image, o, size);
        }
        return image;
    }

    /** Pixels covered by the object, as a mask over the whole image (true = inside). */
    public static boolean[] mask(SceneObject o, int imageSize) {
        boolean[] mask = new boolean[imageSize * imageSize];
        int[] b = o.pixelBounds();
        for (int y = Math.max(0, b[1]); y <= Math.min(imageSize - 1, b[3]); y++) {
            for (int x = Math.max(0, b[0]); x <= Math.min(imageSize - 1, b[2]); x++) {
                mask[y * imageSize + x] = inside(o, x, y);
            }
        }
        return mask;
    }

    private static boolean inside(SceneObject o, int x, int y) {
        return o.shape().contains(x + 0.5 - o.centerX(), y + 0.5 - o.centerY(), o.halfExtent());
    }

    private static void paintBackground(ToyImage image, Background bg) {
        int stripe = Background.stripeWidth(image.width());
        for (int y = 0; y < image.height(); y++) {
            boolean white = bg.pattern() == BackgroundPattern.STRIPED && (y / stripe) % 2 == 1;
            int color = white ? PaletteColor.WHITE.rgb() : bg.color().rgb();
            for (int x = 0; x < image.width(); x++) image.set(x, y, color);
        }
    }

    private static void paintObject(ToyImage image, SceneObject o, int imageSize) {
        boolean[] mask = mask(o, imageSize);
        int[] b = o.pixelBounds();
        int originX = (int) Math.floor(o.centerX() - o.halfExtent());
        int originY = (int) Math.floor(o.centerY() - o.halfExtent());
        int cell = Fill.cellWidth(imageSize);
        int ringWidth = ringWidth(o.halfExtent());
        Fill fill = o.fill();
        for (int y = Math.max(0, b[1]); y <= Math.min(imageSize - 1, b[3]); y++) {
            for (int x = Math.max(0, b[0]); x <= Math.min(imageSize - 1, b[2]); x++) {
                if (!mask[y * imageSize + x]) continue;
                int lx = x - originX;
                int ly = y - originY;
                boolean secondary = switch (fill.pattern()) {
                    case SOLID -> false;
                    case CHECKER -> (Math.floorDiv(lx, cell) + Math.floorDiv(ly, cell)) % 2 != 0;
                    case DIAGONAL_STRIPES -> Math.floorMod(Math.floorDiv(lx + ly, cell), 2) != 0;
                    case RING -> isInterior(mask, imageSize, x, y, ringWidth);
                };
                image.set(x, y, (secondary ? fill.secondary() : fill.primary()).rgb());
            }
        }
    }

    /** Ring band width grows with the object so small and large rings keep a visible inside. */
    public static int ringWidth(double halfExtent) {
        return Math.max(1, (int) Math.round(halfExtent / 3.5));
    }

    private static boolean isInterior(boolean[] mask, int size, int x, int y, int width) {
        for (int dy = -width; dy <= width; dy++) {
            for (int dx = -width; dx <= width; dx++) {
                int xx = x + dx;
                int yy = y + dy;
                if (xx < 0 || yy < 0 || xx >= size || yy >= size || !mask[yy * size + xx]) return false;
            }
        }
        return true;
    }
}

package dev.cdiff.toyworld.detect;

/** RGB distances on packed 0xRRGGBB colours. */
public final class ColorMath {
    private ColorMath() {}

    public static double distance(int a, int b) {
        int dr = ((a >> 16) & 0xff) - ((b >> 16) & 0xff);
        int dg = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
        int db = (a & 0xff) - (b & 0xff);
        return Math.sqrt(dr * dr + dg * dg + db * db);
    }

    /** Distance from p to the RGB segment [a, b]: small when p is a blend of a and b (blurred edges). */
    public static double distanceToSegment(int p, int a, int b) {
        double[] pa = {ch(p, 16) - ch(a, 16), ch(p, 8) - ch(a, 8), ch(p, 0) - ch(a, 0)};
        double[] ba = {ch(b, 16) - ch(a, 16), ch(b, 8) - ch(a, 8), ch(b, 0) - ch(a, 0)};
        double len2 = ba[0] * ba[0] + ba[1] * ba[1] + ba[2] * ba[2];
        double t = len2 == 0 ? 0 : (pa[0] * ba[0] + pa[1] * ba[1] + pa[2] * ba[2]) / len2;
        t = Math.max(0, Math.min(1, t));
        double dx = pa[0] - t * ba[0];
        double dy = pa[1] - t * ba[1];
        double dz = pa[2] - t * ba[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }

    private static int ch(int rgb, int shift) {
        return (rgb >> shift) & 0xff;
    }
}

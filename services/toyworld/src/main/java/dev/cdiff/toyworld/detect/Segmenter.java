package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.image.ToyImage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** Splits the non-background pixels into 4-connected components and drops specks below a minimum area. */
final class Segmenter {
    private Segmenter() {}

    static List<Component> components(ToyImage image, BackgroundModel bg, int minArea) {
        int s = image.width();
        int n = s * image.height();
        boolean[] fg = new boolean[n];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < s; x++) fg[y * s + x] = !bg.isBackground(image.get(x, y));
        }
        int[] label = new int[n];
        List<Component> out = new ArrayList<>();
        int next = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int start = 0; start < n; start++) {
            if (!fg[start] || label[start] != 0) continue;
            next++;
            List<Integer> pix = new ArrayList<>();
            label[start] = next;
            queue.add(start);
            while (!queue.isEmpty()) {
                int p = queue.poll();
                pix.add(p);
                int x = p % s;
                int y = p / s;
                int[][] nbs = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
                for (int[] q : nbs) {
                    if (q[0] < 0 || q[1] < 0 || q[0] >= s || q[1] >= image.height()) continue;
                    int qi = q[1] * s + q[0];
                    if (fg[qi] && label[qi] == 0) {
                        label[qi] = next;
                        queue.add(qi);
                    }
                }
            }
            if (pix.size() >= minArea) out.add(build(s, image.height(), pix, label, next));
        }
        return out;
    }

    private static Component build(int s, int h, List<Integer> pix, int[] label, int id) {
        int[] pixels = pix.stream().mapToInt(Integer::intValue).sorted().toArray();
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        for (int p : pixels) {
            minX = Math.min(minX, p % s);
            maxX = Math.max(maxX, p % s);
            minY = Math.min(minY, p / s);
            maxY = Math.max(maxY, p / s);
        }
        // Chebyshev depth by repeated 3x3 erosion: a pixel's depth is the first round in which it is removed.
        int[] depth = new int[pixels.length];
        boolean[] alive = new boolean[s * h];
        for (int p : pixels) alive[p] = true;
        int remaining = pixels.length;
        int round = 0;
        while (remaining > 0) {
            round++;
            List<Integer> removed = new ArrayList<>();
            for (int i = 0; i < pixels.length; i++) {
                if (depth[i] != 0) continue;
                int x = pixels[i] % s;
                int y = pixels[i] / s;
                boolean edge = false;
                for (int dy = -1; dy <= 1 && !edge; dy++) {
                    for (int dx = -1; dx <= 1 && !edge; dx++) {
                        int xx = x + dx;
                        int yy = y + dy;
                        edge = xx < 0 || yy < 0 || xx >= s || yy >= h || !alive[yy * s + xx];
                    }
                }
                if (edge) removed.add(i);
            }
            for (int i : removed) {
                depth[i] = round;
                alive[pixels[i]] = false;
            }
            remaining -= removed.size();
        }
        return new Component(s, pixels, minX, minY, maxX, maxY, depth);
    }
}

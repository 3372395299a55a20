package dev.cdiff.diffusion.schedulers;

/** diffusers' timestep spacings, reproducing numpy's arithmetic (round half to even). */
final class TimestepSpacing {
    private TimestepSpacing() {
    }

    /** np.linspace(0, last, count).round() in descending order. */
    static long[] linspaceDescending(double last, int count) {
        long[] out = new long[count];
        double step = count > 1 ? last / (count - 1) : 0;
        for (int i = 0; i < count; i++) {
            double v = i == count - 1 && count > 1 ? last : i * step;
            out[count - 1 - i] = (long) Math.rint(v);
        }
        return out;
    }

    /** (np.arange(0, count) * ratio) in descending order. */
    static long[] leadingDescending(long ratio, int count) {
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[count - 1 - i] = i * ratio;
        }
        return out;
    }

    /** np.round(np.arange(start, 0, -ratio)). */
    static long[] trailing(double start, double ratio) {
        int count = (int) Math.ceil((0 - start) / -ratio);
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = (long) Math.rint(start + i * -ratio);
        }
        return out;
    }
}

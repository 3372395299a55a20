package dev.cdiff.diffusion.golden;

import java.util.ArrayList;
import java.util.List;

/**
 * Accumulates output comparisons of one case under the rule
 * {@code |actual - expected| <= atol + rtol * |expected|} element-wise; NaN never passes.
 */
public final class ToleranceCheck {
    private final double atol;
    private final double rtol;
    private double maxAbsErr;
    private final List<String> failures = new ArrayList<>();
    private int checked;

    public ToleranceCheck(double atol, double rtol) {
        this.atol = atol;
        this.rtol = rtol;
    }

    /** @return the largest absolute error of this output */
    public double check(String output, float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            failures.add(output + ": " + actual.length + " values, expected " + expected.length);
            maxAbsErr = Double.POSITIVE_INFINITY;
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        int violations = 0;
        int firstBad = -1;
        for (int i = 0; i < actual.length; i++) {
            double e = expected[i];
            double err = Math.abs((double) actual[i] - e);
            if (Double.isNaN(err)) {
                err = Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, err);
            if (!(err <= atol + rtol * Math.abs(e))) {
                if (firstBad < 0) {
                    firstBad = i;
                }
                violations++;
            }
        }
        checked++;
        maxAbsErr = Math.max(maxAbsErr, worst);
        if (violations > 0) {
            failures.add(String.format("%s: %d of %d values out of tolerance, max abs err %.3g (first at %d: %g vs %g)",
                    output, violations, actual.length, worst, firstBad, actual[firstBad], expected[firstBad]));
        }
        return worst;
    }

    public double check(String output, long[] actual, long[] expected) {
        float[] a = new float[actual.length];
        float[] e = new float[expected.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        return check(output, a, e);
    }

    /** Records a mismatch of discrete outputs (e.g. token ids) that has no numeric error. */
    public void fail(String reason) {
        failures.add(reason);
        maxAbsErr = Math.max(maxAbsErr, Double.POSITIVE_INFINITY);
    }

    public CaseResult result() {
        if (checked == 0 && failures.isEmpty()) {
            return CaseResult.cannotRun("no outputs were compared");
        }
        return new CaseResult(maxAbsErr, failures.isEmpty(), String.join("; ", failures));
    }
}

package dev.cdiff.diffusion.golden;

/** Outcome of a case: the largest |actual - expected| over all checked outputs and whether all were in tolerance. */
public record CaseResult(double maxAbsErr, boolean passed, String detail) {
    public static CaseResult cannotRun(String reason) {
        return new CaseResult(Double.NaN, false, "cannot run: " + reason);
    }
}

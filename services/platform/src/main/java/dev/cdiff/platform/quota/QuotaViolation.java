package dev.cdiff.platform.quota;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One cap a request breaks. The message names the cap's setting and its limit so the tenant (or its operator)
 * can tell a refusal by quota from a broken request.
 */
public record QuotaViolation(String tenantId, String cap, String what, long requested, long limit) {
    /** The error class refusals carry in JobFailed, TrainingFailed and ConceptRejected. */
    public static final String ERROR_CLASS = "QuotaExceeded";

    public String message() {
        return "quota exceeded for tenant " + tenantId + ": " + what + " " + requested + " is over the limit of "
                + limit + " (" + Quotas.key(tenantId, cap) + ")";
    }

    public static String describe(List<QuotaViolation> violations) {
        return violations.stream().map(QuotaViolation::message).collect(Collectors.joining("; "));
    }
}

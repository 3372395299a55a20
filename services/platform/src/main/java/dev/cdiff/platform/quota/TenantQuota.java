package dev.cdiff.platform.quota;

import java.util.ArrayList;
import java.util.List;

/**
 * What one tenant may ask of training. Steps, resolution, batch and images bound the cost of one run and are
 * refused outright; concurrent runs are a scheduling limit (the excess waits its turn); queued runs bound how much
 * one tenant can park in front of the scheduler and are refused beyond it.
 */
public record TenantQuota(String tenantId, int maxSteps, int maxResolution, int maxBatchSize,
                          int maxImagesPerConcept, int maxConcurrentTraining, int maxQueuedTraining) {

    /** Every cap the training request breaks, empty when it fits. */
    public List<QuotaViolation> checkTraining(int steps, int resolution, int batchSize, List<Integer> imagesPerConcept) {
        List<QuotaViolation> out = new ArrayList<>();
        over(out, Quotas.MAX_STEPS, "training steps", steps, maxSteps);
        over(out, Quotas.MAX_RESOLUTION, "resolution", resolution, maxResolution);
        over(out, Quotas.MAX_BATCH_SIZE, "batch size", batchSize, maxBatchSize);
        for (int images : imagesPerConcept) {
            if (over(out, Quotas.MAX_IMAGES_PER_CONCEPT, "images per concept", images, maxImagesPerConcept)) {
                break;
            }
        }
        return out;
    }

    /** The refusal of one more queued training job, or null while the tenant is under its queue cap. */
    public QuotaViolation checkQueued(int alreadyQueued) {
        List<QuotaViolation> out = new ArrayList<>();
        over(out, Quotas.MAX_QUEUED_TRAINING, "queued training jobs", alreadyQueued + 1, maxQueuedTraining);
        return out.isEmpty() ? null : out.get(0);
    }

    private boolean over(List<QuotaViolation> out, String cap, String what, long requested, long limit) {
        if (requested <= limit) {
            return false;
        }
        out.add(new QuotaViolation(tenantId, cap, what, requested, limit));
        return true;
    }
}

package dev.cdiff.training;

import dev.cdiff.diffusion.training.TrainingMode;
import dev.cdiff.platform.ids.JointConcepts;
import dev.cdiff.platform.quota.QuotaViolation;
import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.platform.store.ArtifactOwnership;
import dev.cdiff.platform.store.ForeignArtifactException;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingRequested;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/** What a TrainingRequested asks for, checked, plus the run key that ties checkpoints to exactly this request. */
final class TrainingPlan {
    private TrainingPlan() {
    }

    static TrainingMode mode(String mode) {
        return switch (mode == null ? "custom-diffusion" : mode.toLowerCase(Locale.ROOT)) {
            case "custom-diffusion" -> TrainingMode.CUSTOM_DIFFUSION;
            case "token-only" -> TrainingMode.TEXTUAL_INVERSION;
            case "full-unet" -> TrainingMode.FULL_UNET;
            default -> throw new JobRejected("UNSUPPORTED_MODE", "training mode '" + mode
                    + "' is not supported; use custom-diffusion, token-only or full-unet");
        };
    }

    /**
     * Checks what the core would otherwise reject mid-way, with messages naming the option, and that every image is
     * the tenant's own (regularization images may also be shared class images) before any of them is read.
     */
    static void check(TrainingRequested request, ArtifactOwnership ownership, Quotas quotas) {
        TrainingOptions o = request.getOptions();
        // the orchestrator refuses these already; a request written straight to the topic never went through it
        List<QuotaViolation> violations = quotas.forTenant(request.getTenantId()).checkTraining(o.getSteps(),
                o.getResolution(), o.getBatchSize(), request.getConcepts().stream().map(c -> c.getImages().size())
                        .toList());
        if (!violations.isEmpty()) {
            throw new JobRejected(QuotaViolation.ERROR_CLASS, QuotaViolation.describe(violations));
        }
        if (o.getSteps() <= 0) {
            throw new JobRejected("INVALID_OPTIONS", "options.steps must be positive, got " + o.getSteps());
        }
        if (o.getBatchSize() <= 0) {
            throw new JobRejected("INVALID_OPTIONS", "options.batchSize must be positive, got " + o.getBatchSize());
        }
        if (!(o.getLearningRate() > 0)) {
            throw new JobRejected("INVALID_OPTIONS", "options.learningRate must be positive, got " + o.getLearningRate());
        }
        if (o.getResolution() < 0) {
            throw new JobRejected("INVALID_OPTIONS", "options.resolution must not be negative, got " + o.getResolution());
        }
        if (o.getProgressEverySteps() <= 0 || o.getCheckpointEverySteps() <= 0) {
            throw new JobRejected("INVALID_OPTIONS", "options.progressEverySteps and checkpointEverySteps must be"
                    + " positive, got " + o.getProgressEverySteps() + " and " + o.getCheckpointEverySteps());
        }
        mode(o.getMode());
        if (request.getConcepts().isEmpty()) {
            throw new JobRejected("INVALID_REQUEST", "the request names no concept");
        }
        // a joint run: bounded in size, and one token per concept (the grammar itself is checked with every id)
        JointConcepts.problem(request.getConcepts().stream().map(ConceptSpec::getModifierToken).toList())
                .ifPresent(problem -> {
                    throw new JobRejected("INVALID_REQUEST", problem);
                });
        boolean regularized = false;
        for (ConceptSpec c : request.getConcepts()) {
            if (c.getImages().isEmpty()) {
                throw new JobRejected("INVALID_REQUEST", "concept " + c.getConceptName() + " has no images");
            }
            if (c.getRegularizationCaptions().size() != 0
                    && c.getRegularizationCaptions().size() != c.getRegularizationImages().size()) {
                throw new JobRejected("INVALID_REQUEST", "concept " + c.getConceptName() + " has "
                        + c.getRegularizationImages().size() + " regularization images but "
                        + c.getRegularizationCaptions().size() + " captions");
            }
            try {
                for (ArtifactRef ref : c.getImages()) {
                    ownership.owned(request.getTenantId(), ref, "image");
                }
                for (ArtifactRef ref : c.getRegularizationImages()) {
                    ownership.ownedOrShared(request.getTenantId(), ref, "regularization image");
                }
            } catch (ForeignArtifactException e) {
                throw new JobRejected("FOREIGN_ARTIFACT", e.getMessage(), e);
            }
            regularized |= !c.getRegularizationImages().isEmpty();
        }
        if (regularized && o.getBatchSize() % 2 != 0) {
            throw new JobRejected("INVALID_OPTIONS", "options.batchSize must be even with regularization images (half"
                    + " targets, half regularization), got " + o.getBatchSize());
        }
    }

    /** Identity of the run: the request minus its envelope (event id, time), hashed. */
    static String runKey(TrainingRequested request) {
        StringBuilder sb = new StringBuilder();
        sb.append(request.getBaseModelDigest()).append('|').append(request.getOptions().toString());
        for (ConceptSpec c : request.getConcepts()) {
            sb.append('|').append(c.toString());
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.cdiff.ingestion;

import dev.cdiff.platform.kafka.EventPublisher;

import dev.cdiff.ingestion.validate.RejectionReason;
import dev.cdiff.ingestion.validate.SubmissionRejected;
import dev.cdiff.ingestion.validate.SubmissionValidator;
import dev.cdiff.ingestion.validate.SubmittedImage;
import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.store.ArtifactOwnership;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ForeignArtifactException;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.platform.store.StoredArtifact;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.IngestionRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ingestion use case behind both entry points (HTTP upload and IngestionRequested): prepare (validate and
 * normalise, all in memory), then store the images content-addressed and announce ConceptSubmitted; or announce
 * ConceptRejected having stored nothing.
 */
public final class ConceptIngestion {
    private static final Logger LOG = LoggerFactory.getLogger(ConceptIngestion.class);
    static final String IMAGE_KIND = "images";

    private final ConceptPreparer preparer;
    private final ArtifactStore store;
    private final ArtifactOwnership ownership;
    private final EventPublisher publisher;

    public ConceptIngestion(ConceptPreparer preparer, ArtifactStore store, EventPublisher publisher) {
        this.preparer = preparer;
        this.store = store;
        this.ownership = store.ownership();
        this.publisher = publisher;
    }

    /** Validates, stores and announces; a rejection is announced too and returned, never thrown. */
    public IngestionOutcome ingest(Submission submission) {
        AcceptedConcept concept;
        try {
            concept = preparer.prepare(submission);
        } catch (SubmissionRejected rejected) {
            return reject(submission.tenantId(), submission.jobId(), submission.causationId(), rejected);
        }
        List<ArtifactRef> refs = new ArrayList<>(concept.images().size());
        for (NormalizedImage image : concept.images()) {
            StoredArtifact stored = store.put(submission.tenantId(), IMAGE_KIND, image.png(), "png", "image/png");
            refs.add(stored.toRef());
        }
        ConceptSubmitted event = ConceptSubmitted.newBuilder()
                .setEventId(EventPublisher.derivedEventId(submission.causationId(), "ConceptSubmitted"))
                .setTenantId(submission.tenantId())
                .setJobId(submission.jobId())
                .setOccurredAt(Instant.now())
                .setCausationId(submission.causationId())
                .setConceptId(concept.conceptId())
                .setConceptName(concept.conceptName())
                .setClassWord(concept.classWord())
                .setInitializerWord(concept.initializerWord())
                .setImages(refs)
                .setCaptions(concept.captions())
                .setSource(submission.source())
                .setTraining(submission.training())
                .build();
        publisher.publish(submission.jobId(), event);
        LOG.info("job {} tenant {}: concept {} ({} images, class '{}') submitted", submission.jobId(),
                submission.tenantId(), concept.conceptId(), refs.size(), concept.classWord());
        return new IngestionOutcome.Accepted(submission.jobId(), concept.conceptId(), refs.size());
    }

    /**
     * Handler of IngestionRequested: reads the named objects (bounded), then ingests them like an upload. Only the
     * tenant's own prefix of the configured bucket is read, with the store's credentials; a request naming another
     * bucket or another prefix is rejected before anything is read.
     */
    public void onIngestionRequested(InboundEvent<IngestionRequested> inbound) {
        IngestionRequested request = inbound.value();
        String causation = request.getEventId();
        List<SubmittedImage> images;
        try {
            images = fetch(request);
        } catch (SubmissionRejected rejected) {
            reject(request.getTenantId(), request.getJobId(), causation, rejected);
            return;
        }
        ingest(new Submission(request.getTenantId(), request.getJobId(), request.getConceptName(),
                request.getClassWord(), request.getInitializerWord(), images, request.getCaptions(),
                request.getTraining(), "event", causation));
    }

    private List<SubmittedImage> fetch(IngestionRequested request) throws SubmissionRejected {
        SubmissionValidator validator = preparer.validator();
        List<String> keys = request.getSourceKeys();
        validator.checkCount(keys.size(), keys);
        for (String key : keys) {
            try {
                ownership.ownedKey(request.getTenantId(), request.getSourceBucket(), key, "source image");
            } catch (ForeignArtifactException e) {
                throw new SubmissionRejected(RejectionReason.FOREIGN_SOURCE, e.getMessage(), List.of(key));
            }
        }
        List<SubmittedImage> images = new ArrayList<>(keys.size());
        for (String key : keys) {
            Optional<ObjectSummary> stat = store.stat(key);
            if (stat.isEmpty()) {
                throw new SubmissionRejected(RejectionReason.SOURCE_NOT_FOUND,
                        "'" + key + "' does not exist in bucket " + request.getSourceBucket(), List.of(key));
            }
            validator.checkSize(key, stat.get().sizeBytes());
            images.add(new SubmittedImage(key, store.getBytes(key)));
        }
        return images;
    }

    private IngestionOutcome reject(String tenant, String jobId, String causationId, SubmissionRejected rejected) {
        ConceptRejected event = ConceptRejected.newBuilder()
                .setEventId(EventPublisher.derivedEventId(causationId, "ConceptRejected"))
                .setTenantId(tenant)
                .setJobId(jobId)
                .setOccurredAt(Instant.now())
                .setCausationId(causationId)
                .setReasonCode(rejected.reason().name())
                .setReason(rejected.getMessage())
                .setOffendingItems(rejected.offendingItems())
                .build();
        publisher.publish(jobId, event);
        LOG.info("job {} tenant {}: rejected {}: {}", jobId, tenant, rejected.reason(), rejected.getMessage());
        return new IngestionOutcome.Rejected(jobId, rejected.reason().name(), rejected.getMessage(),
                rejected.offendingItems());
    }
}

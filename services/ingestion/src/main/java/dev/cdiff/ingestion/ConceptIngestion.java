package dev.cdiff.ingestion;

import dev.cdiff.platform.kafka.EventPublisher;

import dev.cdiff.ingestion.validate.RejectionReason;
import dev.cdiff.ingestion.validate.SubmissionRejected;
import dev.cdiff.ingestion.validate.SubmissionValidator;
import dev.cdiff.ingestion.validate.SubmittedImage;
import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.store.ArtifactStore;
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
import java.util.function.Function;

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
    private final Function<String, ArtifactStore> sourceStores;
    private final EventPublisher publisher;

    /**
     * @param sourceStores the store reading a given bucket (IngestionRequested may name another bucket than ours)
     */
    public ConceptIngestion(ConceptPreparer preparer, ArtifactStore store, Function<String, ArtifactStore> sourceStores,
                            EventPublisher publisher) {
        this.preparer = preparer;
        this.store = store;
        this.sourceStores = sourceStores;
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

    /** Handler of IngestionRequested: reads the named objects (bounded), then ingests them like an upload. */
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
        String tenantPrefix = "tenants/" + request.getTenantId() + "/";
        ArtifactStore source = sourceStores.apply(request.getSourceBucket());
        List<SubmittedImage> images = new ArrayList<>(keys.size());
        for (String key : keys) {
            // a tenant may only ingest from the shared bucket's own prefix; other buckets are the tenant's own
            if (request.getSourceBucket().equals(store.bucket()) && !key.startsWith(tenantPrefix)) {
                throw new SubmissionRejected(RejectionReason.SOURCE_NOT_FOUND, "'" + key + "' is outside tenant "
                        + request.getTenantId() + "'s prefix " + tenantPrefix, List.of(key));
            }
            Optional<ObjectSummary> stat = source.stat(key);
            if (stat.isEmpty()) {
                throw new SubmissionRejected(RejectionReason.SOURCE_NOT_FOUND,
                        "'" + key + "' does not exist in bucket " + request.getSourceBucket(), List.of(key));
            }
            validator.checkSize(key, stat.get().sizeBytes());
            images.add(new SubmittedImage(key, source.getBytes(key)));
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

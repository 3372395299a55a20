package dev.cdiff.ingestion;

import dev.cdiff.platform.kafka.EventPublisher;

import dev.cdiff.ingestion.validate.RejectionReason;
import dev.cdiff.ingestion.validate.SubmissionRejected;
import dev.cdiff.ingestion.validate.SubmissionValidator;
import dev.cdiff.ingestion.validate.SubmittedImage;
import dev.cdiff.platform.ids.JointConcepts;
import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.store.ArtifactOwnership;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ForeignArtifactException;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.IngestionRequested;
import dev.cdiff.schemas.events.JointConcept;
import dev.cdiff.schemas.events.JointConceptSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        return ingest(submission.tenantId(), submission.jobId(), submission.causationId(),
                java.util.Collections.singletonList(null), List.of(() -> submission));
    }

    /** One concept of a request, read (fetched, checked for size) only when its turn comes. */
    @FunctionalInterface
    interface ConceptSource {
        Submission read() throws SubmissionRejected;
    }

    /**
     * One job of one or more concepts (a joint job when more): every concept is read and prepared in turn, so only
     * one concept's raw bytes are held at a time; nothing is stored unless all of them pass.
     *
     * @param tokens the modifier token of each concept; a single concept's may be null (the orchestrator's default)
     */
    private IngestionOutcome ingest(String tenant, String jobId, String causation, List<String> tokens,
                                    List<ConceptSource> sources) {
        List<AcceptedConcept> accepted = new ArrayList<>(sources.size());
        try {
            if (sources.size() > 1 || tokens.get(0) != null) {
                Optional<String> problem = JointConcepts.problem(tokens);
                if (problem.isPresent()) {
                    throw new SubmissionRejected(tokens.size() > JointConcepts.MAX_CONCEPTS
                            ? RejectionReason.TOO_MANY_CONCEPTS : RejectionReason.INVALID_MODIFIER_TOKEN,
                            problem.get(), List.of());
                }
            }
            Map<String, String> tokenByConceptId = new LinkedHashMap<>();
            for (int i = 0; i < sources.size(); i++) {
                AcceptedConcept concept;
                try {
                    concept = preparer.prepare(sources.get(i).read());
                } catch (SubmissionRejected rejected) {
                    throw sources.size() == 1 ? rejected : new SubmissionRejected(rejected.reason(),
                            "concept " + (i + 1) + " (" + tokens.get(i) + "): " + rejected.getMessage(),
                            rejected.offendingItems(), rejected);
                }
                String earlier = tokenByConceptId.putIfAbsent(concept.conceptId(), tokens.get(i));
                if (earlier != null) {
                    throw new SubmissionRejected(RejectionReason.DUPLICATE_CONCEPT, "concept " + (i + 1) + " ("
                            + tokens.get(i) + ") is the same images and class as " + earlier
                            + "'s; a joint job learns different concepts", List.of());
                }
                // the raw uploads are not needed past this point: let them go before the next concept is read
                Submission read = concept.submission();
                accepted.add(new AcceptedConcept(new Submission(read.tenantId(), read.jobId(), read.conceptName(),
                        read.classWord(), read.initializerWord(), List.of(), List.of(), read.training(),
                        read.source(), read.causationId()), concept.conceptId(), concept.conceptName(),
                        concept.classWord(), concept.initializerWord(), concept.images(), concept.captions()));
            }
        } catch (SubmissionRejected rejected) {
            return reject(tenant, jobId, causation, rejected);
        }
        List<List<ArtifactRef>> refs = new ArrayList<>(accepted.size());
        for (AcceptedConcept concept : accepted) {
            List<ArtifactRef> stored = new ArrayList<>(concept.images().size());
            for (NormalizedImage image : concept.images()) {
                stored.add(store.put(tenant, IMAGE_KIND, image.png(), "png", "image/png").toRef());
            }
            refs.add(stored);
        }
        AcceptedConcept first = accepted.get(0);
        List<JointConcept> further = new ArrayList<>();
        for (int i = 1; i < accepted.size(); i++) {
            AcceptedConcept c = accepted.get(i);
            further.add(JointConcept.newBuilder().setConceptId(c.conceptId()).setConceptName(c.conceptName())
                    .setClassWord(c.classWord()).setInitializerWord(c.initializerWord())
                    .setModifierToken(tokens.get(i)).setImages(refs.get(i)).setCaptions(c.captions()).build());
        }
        Submission submission = first.submission();
        ConceptSubmitted event = ConceptSubmitted.newBuilder()
                .setEventId(EventPublisher.derivedEventId(causation, "ConceptSubmitted"))
                .setTenantId(tenant)
                .setJobId(jobId)
                .setOccurredAt(Instant.now())
                .setCausationId(causation)
                .setConceptId(first.conceptId())
                .setConceptName(first.conceptName())
                .setClassWord(first.classWord())
                .setInitializerWord(first.initializerWord())
                .setImages(refs.get(0))
                .setCaptions(first.captions())
                .setSource(submission.source())
                .setTraining(submission.training())
                .setModifierToken(tokens.get(0))
                .setAdditionalConcepts(further)
                .build();
        publisher.publish(jobId, event);
        LOG.info("job {} tenant {}: concept {} ({} images, class '{}') submitted{}", jobId, tenant,
                first.conceptId(), refs.get(0).size(), first.classWord(),
                further.isEmpty() ? "" : " with " + further.size() + " further concept(s) for joint training");
        return new IngestionOutcome.Accepted(jobId, first.conceptId(), refs.stream().mapToInt(List::size).sum());
    }

    /**
     * Handler of IngestionRequested: reads the named objects (bounded), then ingests them like an upload. Only the
     * tenant's own prefix of the configured bucket is read, with the store's credentials; a request naming another
     * bucket or another prefix is rejected before anything is read. A joint request's further concepts are read
     * the same way, each only after the one before it passed.
     */
    public void onIngestionRequested(InboundEvent<IngestionRequested> inbound) {
        IngestionRequested request = inbound.value();
        String causation = request.getEventId();
        List<String> tokens = new ArrayList<>();
        tokens.add(request.getModifierToken() != null || request.getAdditionalConcepts().isEmpty()
                ? request.getModifierToken() : JointConcepts.defaultToken(0));
        List<ConceptSource> sources = new ArrayList<>();
        sources.add(() -> new Submission(request.getTenantId(), request.getJobId(), request.getConceptName(),
                request.getClassWord(), request.getInitializerWord(),
                fetch(request.getTenantId(), request.getSourceBucket(), request.getSourceKeys()),
                request.getCaptions(), request.getTraining(), "event", causation));
        for (JointConceptSource more : request.getAdditionalConcepts()) {
            tokens.add(more.getModifierToken());
            sources.add(() -> new Submission(request.getTenantId(), request.getJobId(), more.getConceptName(),
                    more.getClassWord(), more.getInitializerWord(),
                    fetch(request.getTenantId(), request.getSourceBucket(), more.getSourceKeys()),
                    more.getCaptions(), request.getTraining(), "event", causation));
        }
        ingest(request.getTenantId(), request.getJobId(), causation, tokens, sources);
    }

    private List<SubmittedImage> fetch(String tenant, String bucket, List<String> keys) throws SubmissionRejected {
        SubmissionValidator validator = preparer.validator();
        validator.checkCount(keys.size(), keys);
        for (String key : keys) {
            try {
                ownership.ownedKey(tenant, bucket, key, "source image");
            } catch (ForeignArtifactException e) {
                throw new SubmissionRejected(RejectionReason.FOREIGN_SOURCE, e.getMessage(), List.of(key));
            }
        }
        List<SubmittedImage> images = new ArrayList<>(keys.size());
        for (String key : keys) {
            Optional<ObjectSummary> stat = store.stat(key);
            if (stat.isEmpty()) {
                throw new SubmissionRejected(RejectionReason.SOURCE_NOT_FOUND,
                        "'" + key + "' does not exist in bucket " + bucket, List.of(key));
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

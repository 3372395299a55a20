package dev.cdiff.platform;

import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.IngestionRequested;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.MergeCompleted;
import dev.cdiff.schemas.events.MergeRequested;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.RegularizationRequested;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.SamplesGenerated;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingFailed;
import dev.cdiff.schemas.events.TrainingProgress;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.avro.specific.SpecificRecord;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One topic per event type, so the registry subject {@code <topic>-value} (Confluent's TopicNameStrategy) holds
 * exactly one schema's history and BACKWARD checks compare like with like. Records are keyed by job id.
 */
public final class Topics {
    public static final String INGESTION_REQUESTED = "ingestion-requested";
    public static final String CONCEPT_SUBMITTED = "concept-submitted";
    public static final String CONCEPT_REJECTED = "concept-rejected";
    public static final String REGULARIZATION_REQUESTED = "regularization-requested";
    public static final String REGULARIZATION_READY = "regularization-ready";
    public static final String TRAINING_REQUESTED = "training-requested";
    public static final String TRAINING_PROGRESS = "training-progress";
    public static final String TRAINING_COMPLETED = "training-completed";
    public static final String TRAINING_FAILED = "training-failed";
    public static final String MERGE_REQUESTED = "merge-requested";
    public static final String MERGE_COMPLETED = "merge-completed";
    public static final String SAMPLE_REQUESTED = "sample-requested";
    public static final String SAMPLES_GENERATED = "samples-generated";
    public static final String JOB_FAILED = "job-failed";
    public static final String DEAD_LETTER = "dead-letter";
    /**
     * The orchestrator's own: ready training jobs and finished ones, for its fair scheduler. One partition, one key;
     * no other service reads or writes it.
     */
    public static final String TRAINING_SCHEDULE = "training-schedule";
    /** Registry storage, compacted, as Confluent Schema Registry keeps it. */
    public static final String SCHEMAS = "_schemas";

    private static final Map<Class<? extends SpecificRecord>, String> BY_EVENT = new LinkedHashMap<>();

    static {
        BY_EVENT.put(IngestionRequested.class, INGESTION_REQUESTED);
        BY_EVENT.put(ConceptSubmitted.class, CONCEPT_SUBMITTED);
        BY_EVENT.put(ConceptRejected.class, CONCEPT_REJECTED);
        BY_EVENT.put(RegularizationRequested.class, REGULARIZATION_REQUESTED);
        BY_EVENT.put(RegularizationReady.class, REGULARIZATION_READY);
        BY_EVENT.put(TrainingRequested.class, TRAINING_REQUESTED);
        BY_EVENT.put(TrainingProgress.class, TRAINING_PROGRESS);
        BY_EVENT.put(TrainingCompleted.class, TRAINING_COMPLETED);
        BY_EVENT.put(TrainingFailed.class, TRAINING_FAILED);
        BY_EVENT.put(MergeRequested.class, MERGE_REQUESTED);
        BY_EVENT.put(MergeCompleted.class, MERGE_COMPLETED);
        BY_EVENT.put(SampleRequested.class, SAMPLE_REQUESTED);
        BY_EVENT.put(SamplesGenerated.class, SAMPLES_GENERATED);
        BY_EVENT.put(JobFailed.class, JOB_FAILED);
        BY_EVENT.put(DeadLetter.class, DEAD_LETTER);
    }

    private Topics() {
    }

    /** Topic an event of this type is published to. */
    public static String of(Class<? extends SpecificRecord> eventType) {
        String topic = BY_EVENT.get(eventType);
        if (topic == null) {
            throw new IllegalArgumentException("no topic for event type " + eventType.getName());
        }
        return topic;
    }

    /** Every event topic with its event type, in pipeline order. */
    public static Map<Class<? extends SpecificRecord>, String> all() {
        return java.util.Collections.unmodifiableMap(BY_EVENT);
    }
}

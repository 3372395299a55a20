package dev.cdiff.orchestrator;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.quota.Quotas;
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
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.util.List;

/**
 * The job orchestration topology: every job event topic feeds one state-machine processor that owns the
 * persistent {@value #JOB_STORE} store (keyed by jobId) and writes requests to their topics.
 *
 * <pre>
 * ingestion-requested, concept-submitted, concept-rejected, regularization-ready, training-progress,
 * training-completed, training-failed, sample-requested, samples-generated, merge-requested, merge-completed,
 * job-failed, dead-letter, training-requested ──► job-state-machine [job-status] ──► regularization-requested,
 *                                                            sample-requested, job-failed, training-schedule
 * training-schedule ──► training-scheduler [training-tenants, training-requests, training-cursor]
 *                   ──► training-requested, job-failed
 * </pre>
 * A job ready to train is not requested at once: it is sent to the scheduler, which releases it when a training
 * slot is free and it is its tenant's turn (see {@link TrainingScheduler}). training-requested is read back so the
 * job moves from QUEUED to TRAINING when its request is released.
 * dead-letter is keyed by the original record's key (the job id), like every event topic, and must have the same
 * partition count; a dead letter ends its job with a JobFailed naming the reason.
 * All input topics must have the same partition count and be keyed by jobId so one job's events meet in one task.
 * sample-requested and job-failed are read back as well: an event this processor emitted is already in the job's
 * history and is skipped; one from elsewhere starts or fails a job.
 */
public final class JobTopology {
    public static final String JOB_STORE = "job-status";
    static final String PROCESSOR = "job-state-machine";
    static final String SCHEDULER = "training-scheduler";
    static final String SCHEDULE_TENANTS_STORE = "training-tenants";
    static final String SCHEDULE_REQUESTS_STORE = "training-requests";
    static final String SCHEDULE_CURSOR_STORE = "training-cursor";
    /** Every schedule command carries this key, so all of them land on one partition and meet in one task. */
    static final String SCHEDULE_KEY = "training";
    static final String SCHEDULE_SINK = "sink-" + Topics.TRAINING_SCHEDULE;

    static final List<Class<? extends SpecificRecord>> CONSUMED = List.of(
            IngestionRequested.class, ConceptSubmitted.class, ConceptRejected.class, RegularizationReady.class,
            TrainingProgress.class, TrainingCompleted.class, TrainingFailed.class, SampleRequested.class,
            SamplesGenerated.class, MergeRequested.class, MergeCompleted.class, JobFailed.class, DeadLetter.class,
            TrainingRequested.class);
    static final List<Class<? extends SpecificRecord>> EMITTED = List.of(
            RegularizationRequested.class, TrainingRequested.class, SampleRequested.class, JobFailed.class);

    private final EventSerdes serdes;
    private final OrchestratorSettings settings;
    private final Clock clock;
    private final String topicPrefix;
    private final JobLifecycle lifecycle;
    private final Quotas quotas;

    /**
     * @param topicPrefix put before every topic name (ServiceConfig's TOPIC_PREFIX; "" in the usual deployment)
     * @param clock the source of occurredAt of emitted events
     */
    public JobTopology(EventSerdes serdes, OrchestratorSettings settings, JobLifecycle lifecycle, Quotas quotas,
                       Clock clock, String topicPrefix) {
        this.serdes = serdes;
        this.settings = settings;
        this.lifecycle = lifecycle;
        this.quotas = quotas;
        this.clock = clock;
        this.topicPrefix = topicPrefix == null ? "" : topicPrefix;
    }

    public JobTopology(EventSerdes serdes, OrchestratorSettings settings, JobLifecycle lifecycle, Clock clock,
                       String topicPrefix) {
        this(serdes, settings, lifecycle, Quotas.defaults(), clock, topicPrefix);
    }

    public JobTopology(EventSerdes serdes, OrchestratorSettings settings, Clock clock, String topicPrefix) {
        this(serdes, settings, JobLifecycle.defaults(), clock, topicPrefix);
    }

    public JobTopology(EventSerdes serdes, OrchestratorSettings settings, Clock clock) {
        this(serdes, settings, clock, "");
    }

    public Topology build() {
        Topology topology = new Topology();
        String[] sources = new String[CONSUMED.size()];
        for (int i = 0; i < CONSUMED.size(); i++) {
            Class<? extends SpecificRecord> type = CONSUMED.get(i);
            sources[i] = "source-" + Topics.of(type);
            topology.addSource(sources[i], Serdes.String().deserializer(), serdeOf(type).deserializer(),
                    topicPrefix + Topics.of(type));
        }
        JobTransitions transitions = new JobTransitions(settings, quotas);
        topology.addProcessor(PROCESSOR, () -> new JobStateProcessor(transitions, lifecycle, clock), sources);
        topology.addStateStore(jobStore(), PROCESSOR);
        JsonSerde<ScheduleCommand> commands = new JsonSerde<>(ScheduleCommand.class);
        topology.addSink(SCHEDULE_SINK, topicPrefix + Topics.TRAINING_SCHEDULE, Serdes.String().serializer(),
                commands.serializer(), PROCESSOR);
        topology.addSource("source-" + Topics.TRAINING_SCHEDULE, Serdes.String().deserializer(),
                commands.deserializer(), topicPrefix + Topics.TRAINING_SCHEDULE);
        topology.addProcessor(SCHEDULER, () -> new TrainingScheduler(quotas, clock),
                "source-" + Topics.TRAINING_SCHEDULE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SCHEDULE_TENANTS_STORE),
                Serdes.String(), new JsonSerde<>(TrainingScheduler.TenantQueue.class)), SCHEDULER);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SCHEDULE_REQUESTS_STORE),
                Serdes.String(), Serdes.ByteArray()), SCHEDULER);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SCHEDULE_CURSOR_STORE),
                Serdes.String(), Serdes.String()), SCHEDULER);
        for (Class<? extends SpecificRecord> type : EMITTED) {
            String[] parents = type == TrainingRequested.class ? new String[]{SCHEDULER}
                    : type == JobFailed.class ? new String[]{PROCESSOR, SCHEDULER} : new String[]{PROCESSOR};
            topology.addSink(sinkName(type), topicPrefix + Topics.of(type), Serdes.String().serializer(),
                    serdeOf(type).serializer(), parents);
        }
        return topology;
    }

    static StoreBuilder<KeyValueStore<String, JobStatus>> jobStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JOB_STORE), Serdes.String(), new JobStatusSerde());
    }

    static String sinkName(Class<?> eventType) {
        @SuppressWarnings("unchecked")
        String topic = Topics.of((Class<? extends SpecificRecord>) eventType);
        return "sink-" + topic;
    }

    private <T extends SpecificRecord> Serde<T> serdeOf(Class<T> type) {
        Serde<T> serde = serdes.forType(type);
        if (serde == null) {
            throw new IllegalStateException("no serde for " + type.getSimpleName());
        }
        return serde;
    }
}

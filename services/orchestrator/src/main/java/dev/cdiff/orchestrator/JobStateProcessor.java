package dev.cdiff.orchestrator;

import dev.cdiff.platform.ids.EventIds;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.ids.InvalidIdException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/** Applies {@link JobTransitions} to the job-status store and forwards each emitted event to its topic's sink. */
final class JobStateProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(JobStateProcessor.class);

    private final JobTransitions transitions;
    private final Clock clock;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, JobStatus> jobs;

    JobStateProcessor(JobTransitions transitions, Clock clock) {
        this.transitions = transitions;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.jobs = context.getStateStore(JobTopology.JOB_STORE);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        SpecificRecord event = record.value();
        if (event == null) {
            return;
        }
        try {
            EventIds.check(event);
        } catch (InvalidIdException e) {
            // a poison record: it must not create or touch a job, and what it would emit would be refused downstream
            LOG.warn("dropping {} keyed '{}': {}", event.getSchema().getName(),
                    record.key() == null ? null : Ids.printable(record.key()), e.getMessage());
            return;
        }
        EventEnvelope in;
        try {
            in = EventEnvelope.of(event);
        } catch (IllegalArgumentException e) {
            LOG.warn("dropping record: {}", e.getMessage());
            return;
        }
        if (in.jobId() == null) {
            LOG.warn("dropping {} {}: it has no jobId", in.type(), in.eventId());
            return;
        }
        if (!Objects.equals(record.key(), in.jobId())) {
            // State is partitioned by key: a job whose events use different keys may be split across tasks.
            LOG.warn("{} {} is keyed '{}' but belongs to job {}; records must be keyed by jobId",
                    in.type(), in.eventId(), record.key(), in.jobId());
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        JobTransitions.Outcome outcome = transitions.apply(jobs.get(in.jobId()), event, now);
        if (outcome.dropped() != null) {
            LOG.info("job {}: dropped {} {}: {}", in.jobId(), in.type(), in.eventId(), outcome.dropped());
            return;
        }
        jobs.put(in.jobId(), outcome.status());
        for (SpecificRecord emitted : outcome.emitted()) {
            EventEnvelope out = EventEnvelope.of(emitted);
            context.forward(new Record<>(in.jobId(), emitted, out.occurredAt().toEpochMilli()),
                    JobTopology.sinkName(emitted.getClass()));
        }
        LOG.debug("job {}: {} {} -> stage {}, emitted {}", in.jobId(), in.type(), in.eventId(),
                outcome.status().stage, outcome.emitted().size());
    }
}

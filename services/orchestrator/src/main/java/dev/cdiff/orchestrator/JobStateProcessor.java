package dev.cdiff.orchestrator;

import dev.cdiff.platform.ids.EventIds;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.ids.InvalidIdException;
import dev.cdiff.schemas.events.DeadLetter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Applies {@link JobTransitions} to the job-status store and forwards each emitted event to its topic's sink.
 * A wall-clock punctuator sweeps the store: jobs stuck in a stage past its timeout are failed, finished jobs
 * older than the retention are deleted (a tombstone in the changelog).
 */
final class JobStateProcessor implements Processor<String, SpecificRecord, String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(JobStateProcessor.class);

    private final JobTransitions transitions;
    private final JobLifecycle lifecycle;
    private final Clock clock;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, JobStatus> jobs;

    JobStateProcessor(JobTransitions transitions, JobLifecycle lifecycle, Clock clock) {
        this.transitions = transitions;
        this.lifecycle = lifecycle;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.jobs = context.getStateStore(JobTopology.JOB_STORE);
        context.schedule(lifecycle.sweepInterval(), PunctuationType.WALL_CLOCK_TIME, ignored -> sweep());
    }

    /** Fails timed-out jobs and deletes expired ones; keys are collected first so the store is not changed mid-scan. */
    void sweep() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        List<String> expired = new ArrayList<>();
        List<JobStatus> timedOut = new ArrayList<>();
        try (KeyValueIterator<String, JobStatus> all = jobs.all()) {
            while (all.hasNext()) {
                KeyValue<String, JobStatus> entry = all.next();
                JobStatus job = entry.value;
                if (JobTransitions.expired(job, lifecycle.finishedJobRetention(), now)) {
                    expired.add(entry.key);
                } else if (job != null && !job.stage.isFinal()) {
                    timedOut.add(job);
                }
            }
        }
        for (String jobId : expired) {
            jobs.delete(jobId);
        }
        if (!expired.isEmpty()) {
            LOG.info("expired {} finished job(s) older than {}", expired.size(), lifecycle.finishedJobRetention());
        }
        for (JobStatus job : timedOut) {
            JobTransitions.Outcome outcome = transitions.applyTimeouts(job, lifecycle, now);
            if (outcome != null) {
                LOG.warn("job {}: {}", job.jobId, outcome.status().error.reason);
                store(job.jobId, outcome);
            }
        }
    }

    private void store(String jobId, JobTransitions.Outcome outcome) {
        jobs.put(jobId, outcome.status());
        for (SpecificRecord emitted : outcome.emitted()) {
            EventEnvelope out = EventEnvelope.of(emitted);
            context.forward(new Record<>(jobId, emitted, out.occurredAt().toEpochMilli()),
                    JobTopology.sinkName(emitted.getClass()));
        }
        long timestamp = clock.millis();
        for (ScheduleCommand command : outcome.scheduled()) {
            context.forward(new Record<>(JobTopology.SCHEDULE_KEY, command, timestamp), JobTopology.SCHEDULE_SINK);
        }
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        SpecificRecord event = record.value();
        if (event == null) {
            return;
        }
        if (event instanceof DeadLetter letter) {
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            JobTransitions.Outcome outcome = transitions.applyDeadLetter(
                    record.key() == null ? null : jobs.get(record.key()), record.key(), letter, now);
            if (outcome.dropped() != null) {
                LOG.info("dead letter {}: {}", letter.getEventId(), outcome.dropped());
                return;
            }
            store(record.key(), outcome);
            LOG.warn("job {}: dead letter {} from {} -> {}", record.key(), letter.getEventId(), letter.getService(),
                    outcome.status().stage);
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
        store(in.jobId(), outcome);
        LOG.debug("job {}: {} {} -> stage {}, emitted {}", in.jobId(), in.type(), in.eventId(),
                outcome.status().stage, outcome.emitted().size());
    }
}

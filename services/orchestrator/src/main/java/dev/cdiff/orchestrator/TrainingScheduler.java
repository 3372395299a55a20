package dev.cdiff.orchestrator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.ids.InvalidIdException;
import dev.cdiff.platform.quota.QuotaViolation;
import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.platform.quota.TenantQuota;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Holds training jobs that are ready until a training slot is free, and hands slots out round-robin across
 * tenants: one tenant's hundred jobs wait behind each other, not in front of everyone else's. At most
 * {@link Quotas#trainingSlots()} jobs run at once, at most the tenant's {@code maxConcurrentTraining} of them for
 * one tenant, and a tenant may have at most {@code maxQueuedTraining} waiting (beyond that the job ends with a
 * JobFailed naming the cap).
 *
 * <p>Every command arrives on the one-partition schedule topic under one key, so one task sees every tenant's
 * jobs; the job store is partitioned by job and cannot. The queue order survives restarts in the stores'
 * changelogs. Commands for jobs it does not hold (a second release, a job refused on enqueue) change nothing.
 */
final class TrainingScheduler implements Processor<String, ScheduleCommand, String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingScheduler.class);
    static final String CURSOR = "cursor";

    /** A tenant's waiting jobs in arrival order and its running ones; deleted from the store once both are empty. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class TenantQueue {
        public List<String> queued = new ArrayList<>();
        public List<String> running = new ArrayList<>();
    }

    private final Quotas quotas;
    private final Clock clock;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, TenantQueue> tenants;
    private KeyValueStore<String, byte[]> requests;
    private KeyValueStore<String, String> cursor;

    TrainingScheduler(Quotas quotas, Clock clock) {
        this.quotas = quotas;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.tenants = context.getStateStore(JobTopology.SCHEDULE_TENANTS_STORE);
        this.requests = context.getStateStore(JobTopology.SCHEDULE_REQUESTS_STORE);
        this.cursor = context.getStateStore(JobTopology.SCHEDULE_CURSOR_STORE);
    }

    @Override
    public void process(Record<String, ScheduleCommand> record) {
        ScheduleCommand command = record.value();
        if (command == null || command.type == null) {
            return;
        }
        try {
            Ids.tenantId("tenantId", command.tenantId);
            Ids.jobId("jobId", command.jobId);
        } catch (InvalidIdException e) {
            LOG.warn("dropping schedule command {}: {}", command.type, e.getMessage());
            return;
        }
        switch (command.type) {
            case ENQUEUE -> enqueue(command, record.timestamp());
            case RELEASE -> release(command);
        }
        dispatch(record.timestamp());
    }

    private void enqueue(ScheduleCommand command, long timestamp) {
        if (command.request == null) {
            LOG.warn("dropping {}: it carries no training request", command);
            return;
        }
        TenantQueue queue = tenants.get(command.tenantId);
        if (queue == null) {
            queue = new TenantQueue();
        }
        if (queue.queued.contains(command.jobId) || queue.running.contains(command.jobId)) {
            LOG.info("{} again: the job already has its place", command);
            return;
        }
        TenantQuota quota = quotas.forTenant(command.tenantId);
        QuotaViolation full = quota.checkQueued(queue.queued.size());
        if (full != null) {
            TrainingRequested request = ScheduleCommand.decode(command.request);
            LOG.warn("job {}: {}", command.jobId, full.message());
            JobFailed failed = JobFailed.newBuilder()
                    .setEventId(DerivedIds.eventId(request.getEventId(), "JobFailed"))
                    .setTenantId(command.tenantId)
                    .setJobId(command.jobId)
                    .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                    .setCausationId(request.getEventId())
                    .setStage("queued")
                    .setReason(full.message())
                    .setErrorClass(QuotaViolation.ERROR_CLASS)
                    .build();
            context.forward(new Record<>(command.jobId, failed, timestamp), JobTopology.sinkName(JobFailed.class));
            return;
        }
        queue.queued.add(command.jobId);
        tenants.put(command.tenantId, queue);
        requests.put(command.jobId, command.request);
    }

    private void release(ScheduleCommand command) {
        TenantQueue queue = tenants.get(command.tenantId);
        requests.delete(command.jobId);
        if (queue == null) {
            return;
        }
        boolean held = queue.queued.remove(command.jobId) | queue.running.remove(command.jobId);
        if (!held) {
            return;
        }
        if (queue.queued.isEmpty() && queue.running.isEmpty()) {
            tenants.delete(command.tenantId);
        } else {
            tenants.put(command.tenantId, queue);
        }
    }

    /** Starts waiting jobs while slots are free, each time with the next tenant after the one served last. */
    private void dispatch(long timestamp) {
        Map<String, TenantQueue> all = new TreeMap<>();
        int inFlight = 0;
        try (KeyValueIterator<String, TenantQueue> it = tenants.all()) {
            while (it.hasNext()) {
                KeyValue<String, TenantQueue> entry = it.next();
                all.put(entry.key, entry.value);
                inFlight += entry.value.running.size();
            }
        }
        String last = cursor.get(CURSOR);
        while (inFlight < quotas.trainingSlots()) {
            String tenant = next(all, last);
            if (tenant == null) {
                break;
            }
            TenantQueue queue = all.get(tenant);
            String jobId = queue.queued.remove(0);
            byte[] request = requests.get(jobId);
            requests.delete(jobId);
            last = tenant;
            if (request == null) {
                LOG.warn("job {} of tenant {} was queued without its request; skipped", jobId, tenant);
                tenants.put(tenant, queue);
                continue;
            }
            queue.running.add(jobId);
            tenants.put(tenant, queue);
            inFlight++;
            TrainingRequested training = ScheduleCommand.decode(request);
            LOG.info("job {} of tenant {} starts training ({} of {} slots in use, {} of its jobs still waiting)",
                    jobId, tenant, inFlight, quotas.trainingSlots(), queue.queued.size());
            context.forward(new Record<>(jobId, training, timestamp), JobTopology.sinkName(TrainingRequested.class));
        }
        if (last != null) {
            cursor.put(CURSOR, last);
        }
        TrainingQueueMetrics.process().update(all);
    }

    /** The first tenant after {@code last} (wrapping around) with a waiting job and room under its own limit. */
    private String next(Map<String, TenantQueue> all, String last) {
        List<String> order = new ArrayList<>(all.keySet());
        int start = 0;
        if (last != null) {
            while (start < order.size() && order.get(start).compareTo(last) <= 0) {
                start++;
            }
        }
        for (int i = 0; i < order.size(); i++) {
            String tenant = order.get((start + i) % order.size());
            TenantQueue queue = all.get(tenant);
            if (!queue.queued.isEmpty()
                    && queue.running.size() < quotas.forTenant(tenant).maxConcurrentTraining()) {
                return tenant;
            }
        }
        return null;
    }
}

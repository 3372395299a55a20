package dev.cdiff.orchestrator;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.List;

/**
 * Interactive queries of the job-status store: which instance owns a job, and what this instance holds.
 * A job lives on the instance that owns its partition; {@link #locate} says whether that is this one.
 */
public final class JobDirectory {

    /** Where a job's status is: here (status may be null when the job is unknown), on another instance, or nowhere yet. */
    public record Location(Kind kind, JobStatus status, HostInfo owner, String reason) {
        public enum Kind { LOCAL, REMOTE, UNAVAILABLE }
    }

    private final KafkaStreams streams;
    private final HostInfo self;

    public JobDirectory(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    public HostInfo self() {
        return self;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public Location locate(String jobId) {
        KeyQueryMetadata metadata;
        try {
            metadata = streams.queryMetadataForKey(JobTopology.JOB_STORE, jobId, Serdes.String().serializer());
        } catch (IllegalStateException e) {
            return new Location(Location.Kind.UNAVAILABLE, null, null, e.getMessage());
        }
        if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
            return new Location(Location.Kind.UNAVAILABLE, null, null,
                    "no instance owns the job store yet (streams are " + streams.state() + ")");
        }
        if (!self.equals(metadata.activeHost())) {
            return new Location(Location.Kind.REMOTE, null, metadata.activeHost(), null);
        }
        try {
            return new Location(Location.Kind.LOCAL, localStore().get(jobId), self, null);
        } catch (InvalidStateStoreException e) {
            return new Location(Location.Kind.UNAVAILABLE, null, self, "job store is migrating: " + e.getMessage());
        }
    }

    /** The jobs of one tenant held by this instance. A full scan: the store is keyed by job, not by tenant. */
    public List<JobStatus> localJobsOfTenant(String tenantId) {
        List<JobStatus> jobs = new ArrayList<>();
        if (!hostsJobStore()) {
            return jobs;
        }
        try (KeyValueIterator<String, JobStatus> all = localStore().all()) {
            while (all.hasNext()) {
                JobStatus status = all.next().value;
                if (status != null && tenantId.equals(status.tenantId)) {
                    jobs.add(status);
                }
            }
        }
        return jobs;
    }

    /** Whether any partition of the job store is active here (an instance may own none of them). */
    public boolean hostsJobStore() {
        for (StreamsMetadata metadata : streams.streamsMetadataForStore(JobTopology.JOB_STORE)) {
            if (self.equals(metadata.hostInfo())) {
                return true;
            }
        }
        return false;
    }

    /** Other instances that host part of the job store. */
    public List<HostInfo> otherInstances() {
        List<HostInfo> others = new ArrayList<>();
        for (StreamsMetadata metadata : streams.streamsMetadataForStore(JobTopology.JOB_STORE)) {
            if (!self.equals(metadata.hostInfo())) {
                others.add(metadata.hostInfo());
            }
        }
        return others;
    }

    private ReadOnlyKeyValueStore<String, JobStatus> localStore() {
        return streams.store(StoreQueryParameters.fromNameAndType(JobTopology.JOB_STORE,
                QueryableStoreTypes.<String, JobStatus>keyValueStore()));
    }
}

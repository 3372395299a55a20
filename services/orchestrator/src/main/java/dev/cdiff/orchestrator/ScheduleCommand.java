package dev.cdiff.orchestrator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.cdiff.schemas.events.TrainingRequested;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * What the job state machine tells the {@link TrainingScheduler}: a job is ready to train (ENQUEUE, with the
 * request to release when its turn comes) or no longer needs its place or slot (RELEASE: it finished, failed or
 * timed out). Orchestrator-internal, on the schedule topic only, so JSON rather than a registry schema.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ScheduleCommand {
    public enum Type { ENQUEUE, RELEASE }

    public Type type;
    public String tenantId;
    public String jobId;
    /** The TrainingRequested, Avro single-object encoded (ENQUEUE only). */
    public byte[] request;

    static ScheduleCommand enqueue(TrainingRequested request) {
        ScheduleCommand c = new ScheduleCommand();
        c.type = Type.ENQUEUE;
        c.tenantId = request.getTenantId();
        c.jobId = request.getJobId();
        try {
            ByteBuffer buffer = request.toByteBuffer();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            c.request = bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the training request of job " + request.getJobId(), e);
        }
        return c;
    }

    static ScheduleCommand release(String tenantId, String jobId) {
        ScheduleCommand c = new ScheduleCommand();
        c.type = Type.RELEASE;
        c.tenantId = tenantId;
        c.jobId = jobId;
        return c;
    }

    static TrainingRequested decode(byte[] request) {
        try {
            return TrainingRequested.fromByteBuffer(ByteBuffer.wrap(request));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode a queued training request", e);
        }
    }

    @Override
    public String toString() {
        return type + " " + tenantId + "/" + jobId;
    }
}

package dev.cdiff.orchestrator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;

/** JSON (Jackson) serde of the job-status store values: the changelog stays readable with any console consumer. */
public final class JobStatusSerde implements Serde<JobStatus> {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @Override
    public Serializer<JobStatus> serializer() {
        return (topic, status) -> {
            if (status == null) {
                return null;
            }
            try {
                return MAPPER.writeValueAsBytes(status);
            } catch (IOException e) {
                throw new SerializationException("cannot write job status of " + status.jobId + " as JSON", e);
            }
        };
    }

    @Override
    public Deserializer<JobStatus> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return MAPPER.readValue(bytes, JobStatus.class);
            } catch (IOException e) {
                throw new SerializationException("cannot read job status JSON from " + topic, e);
            }
        };
    }
}

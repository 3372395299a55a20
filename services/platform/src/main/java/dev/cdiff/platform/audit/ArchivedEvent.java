package dev.cdiff.platform.audit;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * One event as the audit log keeps it: where it was published, its Avro body and the writer schema that body was
 * written with (so it decodes without the registry, however long after), chained to the entry before it.
 *
 * @param seq        0 for a job's first archived event, then 1, 2, ...
 * @param prevSha256 SHA-256 of the previous entry's stored bytes ({@link EventLog#GENESIS} for the first)
 * @param payload    base64 of the Avro binary body (the Kafka value without its 5-byte registry header)
 */
@JsonPropertyOrder({"seq", "prevSha256", "topic", "partition", "offset", "type", "eventId", "tenantId", "jobId",
        "writerSchema", "payload"})
public record ArchivedEvent(long seq, String prevSha256, String topic, int partition, long offset, String type,
                            String eventId, String tenantId, String jobId, String writerSchema, String payload) {

    ArchivedEvent chained(long seq, String prevSha256) {
        return new ArchivedEvent(seq, prevSha256, topic, partition, offset, type, eventId, tenantId, jobId,
                writerSchema, payload);
    }

    /** The Kafka record it came from, the identity redeliveries share. */
    String source() {
        return topic + "-" + partition + "@" + offset;
    }

    public GenericRecord generic() {
        Schema writer = new Schema.Parser().parse(writerSchema);
        try {
            return new GenericDatumReader<GenericRecord>(writer).read(null,
                    DecoderFactory.get().binaryDecoder(Base64.getDecoder().decode(payload), null));
        } catch (IOException e) {
            throw new UncheckedIOException("archived event #" + seq + " (" + type + ") does not decode", e);
        }
    }

    /** Decoded into the generated class, resolving the archived writer schema against today's. */
    public <T extends SpecificRecord> T as(Class<T> type) {
        Schema writer = new Schema.Parser().parse(writerSchema);
        try {
            Schema reader = (Schema) type.getField("SCHEMA$").get(null);
            return new SpecificDatumReader<T>(writer, reader).read(null,
                    DecoderFactory.get().binaryDecoder(Base64.getDecoder().decode(payload), null));
        } catch (IOException e) {
            throw new UncheckedIOException("archived event #" + seq + " (" + this.type + ") does not decode", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type + " is not a generated Avro class", e);
        }
    }
}

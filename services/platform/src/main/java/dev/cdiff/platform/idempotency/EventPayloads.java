package dev.cdiff.platform.idempotency;

import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digest an idempotency marker binds an event to: its decoded content in the reader's schema, without
 * {@code occurredAt}. The wire bytes are not used because the same event legitimately arrives with other bytes:
 * written under a newer schema version (another schema id, added fields), or re-published under its derived id by a
 * producer that crashed before it could mark its input handled, with a new {@code occurredAt}.
 */
public final class EventPayloads {
    private static final String VOLATILE_FIELD = "occurredAt";

    private EventPayloads() {
    }

    public static String sha256(SpecificRecord event) {
        SpecificRecord copy = SpecificData.getForSchema(event.getSchema()).deepCopy(event.getSchema(), event);
        Schema.Field occurred = copy.getSchema().getField(VOLATILE_FIELD);
        if (occurred != null) {
            copy.put(occurred.pos(), occurred.schema().getType() == Schema.Type.LONG
                    && occurred.schema().getLogicalType() == null ? (Object) 0L : java.time.Instant.EPOCH);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<SpecificRecord>(copy.getSchema(), SpecificData.getForSchema(copy.getSchema()))
                    .write(copy, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256(out.toByteArray());
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes == null ? new byte[0] : bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}

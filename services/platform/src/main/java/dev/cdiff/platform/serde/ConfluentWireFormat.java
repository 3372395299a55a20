package dev.cdiff.platform.serde;

import org.apache.kafka.common.errors.SerializationException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Confluent's framing of a registry-encoded record: magic byte 0, the writer schema's id as a 4-byte big-endian
 * int, then the Avro binary encoding of the datum (no container-file header).
 */
public final class ConfluentWireFormat {
    public static final byte MAGIC_BYTE = 0x0;
    public static final int HEADER_SIZE = 5;

    private ConfluentWireFormat() {
    }

    /** Appends the 5-byte header for this schema id. */
    static void writeHeader(ByteArrayOutputStream out, int schemaId) {
        out.write(MAGIC_BYTE);
        out.write((schemaId >>> 24) & 0xff);
        out.write((schemaId >>> 16) & 0xff);
        out.write((schemaId >>> 8) & 0xff);
        out.write(schemaId & 0xff);
    }

    /**
     * The writer schema id of a framed record.
     *
     * @throws SerializationException when the bytes are not in the Confluent wire format
     */
    public static int schemaId(byte[] framed, String topic) {
        if (framed.length < HEADER_SIZE) {
            throw new SerializationException("record of " + framed.length + " bytes from topic '" + topic
                    + "' is shorter than the 5-byte Confluent header (magic byte + schema id)");
        }
        if (framed[0] != MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "unknown magic byte 0x%02x in record from topic '%s': expected 0x00 (Confluent Avro wire format);"
                            + " the record was not written by a schema-registry serializer", framed[0] & 0xff, topic));
        }
        return ByteBuffer.wrap(framed, 1, 4).getInt();
    }
}

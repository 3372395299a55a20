package dev.cdiff.platform.ids;

import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.IngestionRequested;
import dev.cdiff.schemas.events.TrainingOptions;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Events recorded before joint jobs existed (the schemas as they were, kept as test resources) still decode with
 * today's classes: the added fields are optional with defaults, so the archive replays and audits unchanged, and a
 * registry on BACKWARD accepts the new versions.
 */
class JointSchemaEvolutionTest {
    private static Schema before(String name) throws IOException {
        Schema.Parser parser = new Schema.Parser();
        parser.parse(ArtifactRef.getClassSchema().toString());
        parser.parse(TrainingOptions.getClassSchema().toString());
        try (InputStream in = JointSchemaEvolutionTest.class.getResourceAsStream("/schemas-before-joint/" + name
                + ".avsc")) {
            return parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static byte[] write(GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static <T> T read(byte[] bytes, Schema writer, Schema reader) throws IOException {
        return new SpecificDatumReader<T>(writer, reader).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }

    @Test
    void theNewSchemasReadEveryRecordTheOldOnesWrote() throws IOException {
        for (String name : List.of("ConceptSubmitted", "IngestionRequested")) {
            Schema old = before(name);
            Schema current = name.equals("ConceptSubmitted") ? ConceptSubmitted.getClassSchema()
                    : IngestionRequested.getClassSchema();
            assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                    SchemaCompatibility.checkReaderWriterCompatibility(current, old).getType(), name);
        }
    }

    @Test
    void aRecordedSingleConceptSubmissionDecodesAsOneWithoutFurtherConcepts() throws IOException {
        Schema old = before("ConceptSubmitted");
        GenericRecord recorded = new GenericData.Record(old);
        recorded.put("eventId", "e1");
        recorded.put("tenantId", "acme");
        recorded.put("jobId", "j1");
        recorded.put("occurredAt", 1_700_000_000_000L);
        recorded.put("causationId", null);
        recorded.put("conceptId", "c1");
        recorded.put("conceptName", "rex");
        recorded.put("classWord", "dog");
        recorded.put("initializerWord", "ktn");
        recorded.put("images", List.of());
        recorded.put("captions", List.of());
        recorded.put("source", "event");
        recorded.put("training", null);
        ConceptSubmitted decoded = read(write(recorded), old, ConceptSubmitted.getClassSchema());
        assertEquals("rex", decoded.getConceptName());
        assertNull(decoded.getModifierToken(), "the orchestrator's configured token, as before");
        assertEquals(List.of(), decoded.getAdditionalConcepts());
    }
}

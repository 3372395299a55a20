package dev.cdiff.cli.events;

import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.RegularizationRequested;
import dev.cdiff.schemas.events.TrainingProgress;
import dev.cdiff.schemas.events.TrainingRequested;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.RegularizationReady;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timing and one-line rendering of events decoded generically, as the watcher sees them. */
class EventChainTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final String JOB = "job-1";

    @Test
    void causationLinksSplitIntoHandoffsAndWork() throws IOException {
        List<ObservedEvent> events = List.of(
                observed(submitted("e1", 0)),
                observed(regRequested("e2", "e1", 120)),
                observed(regReady("e3", "e2", 2120)),
                observed(trainRequested("e4", "e3", 2150)),
                observed(progress("e5", "e4", 3000)));
        List<ChainTiming.Link> links = ChainTiming.links(events);
        assertEquals(List.of("ConceptSubmitted -> RegularizationRequested", "RegularizationRequested -> RegularizationReady",
                "RegularizationReady -> TrainingRequested"), links.stream().map(ChainTiming.Link::label).toList(),
                "progress reports are not steps");
        assertEquals(List.of(ChainTiming.Kind.HANDOFF, ChainTiming.Kind.WORK, ChainTiming.Kind.HANDOFF),
                links.stream().map(ChainTiming.Link::kind).toList());
        assertEquals(List.of(120L, 2000L, 30L), links.stream().map(l -> l.elapsed().toMillis()).toList());
        assertEquals(Duration.ofMillis(120), ChainTiming.maxHandoff(events));
    }

    @Test
    void anEventWhoseCauseWasNotSeenHasNoLink() throws IOException {
        List<ObservedEvent> events = List.of(observed(regReady("e3", "missing", 10)));
        assertTrue(ChainTiming.links(events).isEmpty());
        assertEquals(Duration.ZERO, ChainTiming.maxHandoff(events));
    }

    @Test
    void lineShowsEnvelopeAndTheEventsOwnFields() throws IOException {
        String line = EventFormatter.line(observed(regReady("e3", "e2", 2120)));
        assertTrue(line.startsWith("2026-11-25T10:00:02.120Z  regularization-ready  RegularizationReady  eventId=e3"
                + " causationId=e2 jobId=job-1 tenant=t"), line);
        assertTrue(line.contains(" images=[s3://b/tenants/t/x.png]"), line);
        assertTrue(line.contains(" classPrompt=\"photo of a circle\""), line);
        assertTrue(line.contains(" origin=GENERATED"), line);
    }

    @Test
    void undecodableRecordsStillPrintWithTheirError() {
        ObservedEvent broken = new ObservedEvent("concept-submitted", 0, 5, JOB, T0.toEpochMilli(), -1, null,
                "SerializationException: unknown magic byte");
        assertEquals("<undecodable>", broken.type());
        assertEquals(T0, broken.occurredAt(), "falls back to the record time");
        assertTrue(EventFormatter.line(broken).endsWith("error=SerializationException: unknown magic byte"));
    }

    /** Encodes with the generated class and decodes generically, exactly as a registry-backed reader would. */
    private static ObservedEvent observed(SpecificRecord event) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<SpecificRecord>(event.getSchema()).write(event, enc);
        enc.flush();
        GenericRecord generic = new GenericDatumReader<GenericRecord>(event.getSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        String topic = dev.cdiff.platform.Topics.of(event.getClass());
        return new ObservedEvent(topic, 0, 0, JOB, 0, 1, generic, null);
    }

    private static ArtifactRef ref(String key) {
        return ArtifactRef.newBuilder().setBucket("b").setKey(key).setSha256("0".repeat(64)).setSizeBytes(1)
                .setMediaType("image/png").build();
    }

    private static ConceptSubmitted submitted(String id, long ms) {
        return ConceptSubmitted.newBuilder().setEventId(id).setTenantId("t").setJobId(JOB).setOccurredAt(T0.plusMillis(ms))
                .setCausationId(null).setConceptId("c").setConceptName("n").setClassWord("circle")
                .setInitializerWord("ktn").setImages(List.of(ref("tenants/t/i.png"))).setCaptions(List.of())
                .setSource("http").build();
    }

    private static RegularizationRequested regRequested(String id, String cause, long ms) {
        return RegularizationRequested.newBuilder().setEventId(id).setTenantId("t").setJobId(JOB)
                .setOccurredAt(T0.plusMillis(ms)).setCausationId(cause).setConceptId("c").setClassWord("circle")
                .setClassPrompt("photo of a circle").setMaxImages(4).setMinSimilarity(0.85).build();
    }

    private static RegularizationReady regReady(String id, String cause, long ms) {
        return RegularizationReady.newBuilder().setEventId(id).setTenantId("t").setJobId(JOB)
                .setOccurredAt(T0.plusMillis(ms)).setCausationId(cause).setConceptId("c")
                .setClassPrompt("photo of a circle").setImages(List.of(ref("tenants/t/x.png")))
                .setCaptions(List.of("photo of a circle")).setOrigin("GENERATED").setClassSetDigest("d").build();
    }

    private static TrainingRequested trainRequested(String id, String cause, long ms) {
        ConceptSpec spec = ConceptSpec.newBuilder().setConceptId("c").setConceptName("n").setModifierToken("<new1>")
                .setClassWord("circle").setInitializerWord("ktn").setImages(List.of(ref("tenants/t/i.png")))
                .setCaptions(List.of("photo of a <new1> circle")).build();
        TrainingOptions options = TrainingOptions.newBuilder().setSteps(3).setBatchSize(2).setLearningRate(1e-4)
                .setPriorLossWeight(1).setResolution(64).setSeed(1).build();
        return TrainingRequested.newBuilder().setEventId(id).setTenantId("t").setJobId(JOB)
                .setOccurredAt(T0.plusMillis(ms)).setCausationId(cause).setBaseModel("m").setBaseModelDigest("")
                .setConcepts(List.of(spec)).setOptions(options).build();
    }

    private static TrainingProgress progress(String id, String cause, long ms) {
        return TrainingProgress.newBuilder().setEventId(id).setTenantId("t").setJobId(JOB)
                .setOccurredAt(T0.plusMillis(ms)).setCausationId(cause).setStep(1).setTotalSteps(3).setLoss(0.5)
                .setElapsedMillis(10).build();
    }
}

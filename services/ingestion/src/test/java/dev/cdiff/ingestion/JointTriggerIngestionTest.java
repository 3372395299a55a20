package dev.cdiff.ingestion;

import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaAccess;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.IngestionRequested;
import dev.cdiff.schemas.events.JointConceptSource;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Joint jobs on the event path an external system uses: an IngestionRequested with further concepts on the
 * tenant's trigger topic. A good one becomes one ConceptSubmitted carrying every concept and its token; a bad one is
 * rejected naming the concept and the reason, having stored nothing of any concept.
 */
class JointTriggerIngestionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static IngestionService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> trigger;

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("ingestion");
        settings.put(IngestionSettings.IMAGE_SIDE, "64");
        ServiceConfig config = ServiceConfig.of(settings);
        store = ArtifactStore.fromConfig(config);
        Map<String, Object> c = new HashMap<>(stack.bindTrigger("acme-dam", List.of("acme")));
        stack.registryClient.register(KafkaAccess.triggerTopic("acme") + "-value", IngestionRequested.getClassSchema());
        trigger = new KafkaProducer<>(c, new StringSerializer(),
                new ConfluentAvroSerializer<>(stack.registryClient, false));
        service = new IngestionService(config).start();
    }

    @AfterAll
    static void stop() {
        trigger.close();
        service.close();
        stack.close();
    }

    static List<String> upload(int count, int seed) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = "tenants/acme/uploads/" + UUID.randomUUID() + ".png";
            store.putAt(key, TestImages.png(96, 96, seed + i), "image/png");
            keys.add(key);
        }
        return keys;
    }

    static JointConceptSource further(String classWord, String token, List<String> keys) {
        return JointConceptSource.newBuilder().setConceptName("my " + classWord).setClassWord(classWord)
                .setModifierToken(token).setSourceKeys(keys).build();
    }

    static IngestionRequested request(String token, List<String> keys, List<JointConceptSource> more) {
        return IngestionRequested.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId("acme")
                .setJobId("job-" + UUID.randomUUID()).setOccurredAt(Instant.now()).setConceptName("toy")
                .setClassWord("dog").setSourceBucket(store.bucket()).setSourceKeys(keys).setCaptions(List.of())
                .setModifierToken(token).setAdditionalConcepts(more).build();
    }

    static void send(IngestionRequested request) throws Exception {
        trigger.send(new ProducerRecord<>(KafkaAccess.triggerTopic("acme"), request.getJobId(), request)).get();
    }

    static ConceptRejected rejection(IngestionRequested request) throws Exception {
        send(request);
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_REJECTED)) {
            return LoopbackStack.await(consumer, ConceptRejected.class,
                    e -> e.getJobId().equals(request.getJobId()), 1, WAIT).get(0);
        }
    }

    static int storedImages() {
        return store.list("tenants/acme/images/").size();
    }

    @Test
    void aJointTriggerBecomesOneSubmissionWithEveryConceptAndToken() throws Exception {
        IngestionRequested request = request(null, upload(4, 10),
                List.of(further("cat", "<new2>", upload(5, 20)), further("teapot", "<new3>", upload(4, 30))));
        send(request);
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.CONCEPT_SUBMITTED)) {
            ConceptSubmitted event = LoopbackStack.await(consumer, ConceptSubmitted.class,
                    e -> e.getJobId().equals(request.getJobId()), 1, WAIT).get(0);
            assertEquals("<new1>", event.getModifierToken(), "the first concept's default token");
            assertEquals(4, event.getImages().size());
            assertEquals(2, event.getAdditionalConcepts().size());
            assertEquals("<new2>", event.getAdditionalConcepts().get(0).getModifierToken());
            assertEquals("cat", event.getAdditionalConcepts().get(0).getClassWord());
            assertEquals(5, event.getAdditionalConcepts().get(0).getImages().size());
            assertEquals("<new3>", event.getAdditionalConcepts().get(1).getModifierToken());
            event.getAdditionalConcepts().forEach(c -> c.getImages().forEach(ref ->
                    assertTrue(store.exists(ref.getKey()), "stored: " + ref.getKey())));
        }
    }

    @Test
    void conceptsSharingATokenAreRejectedBeforeAnythingIsRead() throws Exception {
        int before = storedImages();
        ConceptRejected r = rejection(request("<new2>", upload(4, 40), List.of(further("cat", "<new2>", upload(4, 50)))));
        assertEquals("INVALID_MODIFIER_TOKEN", r.getReasonCode());
        assertTrue(r.getReason().contains("<new2>") && r.getReason().contains("own token"), r.getReason());
        assertEquals(before, storedImages());
    }

    /** A token is checked with every other id when the event is read: outside the grammar it is a dead letter. */
    @Test
    void aTokenOutsideTheGrammarIsDeadLetteredNamingTheField() throws Exception {
        int before = storedImages();
        IngestionRequested request = request(null, upload(4, 60), List.of(further("cat", "<cat>", upload(4, 70))));
        DeadLetter letter;
        try (KafkaConsumer<String, SpecificRecord> letters = stack.consumer(Topics.DEAD_LETTER)) {
            send(request);
            letter = LoopbackStack.await(letters, DeadLetter.class, d -> d.getOriginalKey() != null
                    && StandardCharsets.UTF_8.decode(d.getOriginalKey().duplicate()).toString()
                    .equals(request.getJobId()), 1, WAIT).get(0);
        }
        String message = letter.getErrorMessage().toString();
        assertTrue(message.contains("IngestionRequested.additionalConcepts[0].modifierToken")
                && message.contains("<new1> to <new99>"), message);
        assertEquals(before, storedImages());
    }

    @Test
    void aFurtherConceptWithTooFewImagesRejectsTheWholeJobNamingIt() throws Exception {
        int before = storedImages();
        ConceptRejected r = rejection(request(null, upload(4, 80), List.of(further("cat", "<new2>", upload(3, 90)))));
        assertEquals("TOO_FEW_IMAGES", r.getReasonCode());
        assertTrue(r.getReason().startsWith("concept 2 (<new2>)"), r.getReason());
        assertEquals(before, storedImages(), "the valid first concept was not stored either");
    }

    @Test
    void moreConceptsThanOneRunMayLearnAreRejected() throws Exception {
        List<JointConceptSource> more = new ArrayList<>();
        for (int i = 2; i <= 5; i++) {
            more.add(further("cat", "<new" + i + ">", upload(4, 100 + 10 * i)));
        }
        ConceptRejected r = rejection(request(null, upload(4, 100), more));
        assertEquals("TOO_MANY_CONCEPTS", r.getReasonCode());
    }

    @Test
    void theSameConceptTwiceIsRejected() throws Exception {
        List<String> keys = upload(4, 200);
        IngestionRequested request = IngestionRequested.newBuilder(request(null, keys,
                List.of(JointConceptSource.newBuilder(further("dog", "<new2>", keys)).build()))).build();
        ConceptRejected r = rejection(request);
        assertEquals("DUPLICATE_CONCEPT", r.getReasonCode());
    }
}

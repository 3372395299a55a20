package dev.cdiff.ingestion;

import dev.cdiff.embedded.testing.AttackProbes;
import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaAccess;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.IngestionRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An external system bound to tenant {@code acme} triggers personalisation by event; it must not be able to act for
 * {@code globex}. The broker keeps it to {@code ingestion-requested.acme}; ingestion takes the tenant from the topic
 * and refuses an event that names another one.
 */
class TriggerTenantBindingAttackTest {
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
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 8000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // the schema is registered by the platform, as it is before any trigger system is bound
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

    static List<String> upload(String tenant, int seed) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String key = "tenants/" + tenant + "/uploads/" + UUID.randomUUID() + ".png";
            store.putAt(key, TestImages.png(96, 96, seed + i), "image/png");
            keys.add(key);
        }
        return keys;
    }

    static IngestionRequested request(String tenant, List<String> keys) {
        return IngestionRequested.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId("job-" + UUID.randomUUID()).setOccurredAt(Instant.now()).setConceptName("toy")
                .setClassWord("dog").setSourceBucket(store.bucket()).setSourceKeys(keys).setCaptions(List.of())
                .build();
    }

    private static Throwable refusal(String topic, IngestionRequested event) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> trigger.send(
                new ProducerRecord<>(topic, event.getJobId(), event)).get(15, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void theTriggerCannotProduceForATenantNotBoundToIt() {
        IngestionRequested forged = request("globex", upload("globex", 10));
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        Throwable refused = refusal(KafkaAccess.triggerTopic("globex"), forged);
        assertInstanceOf(TopicAuthorizationException.class, refused);
        assertEquals(before, AttackProbes.tenantData(store), "no concept of globex was made");
    }

    @Test
    void theTriggerCannotProduceToTheInternalIngestionTopic() {
        Throwable refused = refusal(Topics.INGESTION_REQUESTED, request("acme", List.of("tenants/acme/uploads/x.png")));
        assertInstanceOf(TopicAuthorizationException.class, refused);
    }

    @Test
    void anEventNamingAnotherTenantOnItsOwnTopicIsDeadLetteredAndNothingStored() throws Exception {
        List<String> victimKeys = upload("globex", 20);
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        IngestionRequested forged = request("globex", victimKeys);
        DeadLetter letter;
        try (KafkaConsumer<String, SpecificRecord> letters = stack.consumer(Topics.DEAD_LETTER)) {
            trigger.send(new ProducerRecord<>(KafkaAccess.triggerTopic("acme"), forged.getJobId(), forged))
                    .get(15, TimeUnit.SECONDS);
            letter = LoopbackStack.await(letters, DeadLetter.class, d -> d.getOriginalKey() != null
                    && StandardCharsets.UTF_8.decode(d.getOriginalKey().duplicate()).toString()
                    .equals(forged.getJobId()), 1, WAIT).get(0);
        }
        assertTrue(letter.getErrorMessage().toString().contains("TENANT_NOT_BOUND"), letter.getErrorMessage().toString());
        assertEquals(before, AttackProbes.tenantData(store), "nothing of globex was read into a concept");
    }

    @Test
    void aBoundTenantsOwnTriggerIsIngested() {
        // the control: the same principal, its own tenant, is served
        IngestionRequested own = request("acme", upload("acme", 30));
        try (KafkaConsumer<String, SpecificRecord> submitted = stack.consumer(Topics.CONCEPT_SUBMITTED)) {
            trigger.send(new ProducerRecord<>(KafkaAccess.triggerTopic("acme"), own.getJobId(), own));
            ConceptSubmitted s = LoopbackStack.await(submitted, ConceptSubmitted.class,
                    e -> e.getJobId().equals(own.getJobId()), 1, WAIT).get(0);
            assertEquals("acme", s.getTenantId());
        }
    }
}

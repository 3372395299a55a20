package dev.cdiff.embedded;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.idempotency.S3IdempotencyStore;
import dev.cdiff.platform.kafka.DeadLetterEnvelope;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.kafka.KafkaDeadLetterPublisher;
import dev.cdiff.platform.serde.ConfluentAvroDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.platform.serde.SerdeSettings;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop wired the way services wire it: registry-backed Avro events in, Avro DeadLetter envelopes out. */
class EventLoopAvroTest {

    @TempDir
    Path workspace;

    @Test
    void avroEventsAreHandledAndBadBytesLandInTheAvroDeadLetterTopic() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(workspace)) {
            ServiceConfig config = stack.adminConfig().with(ServiceConfig.SERVICE_NAME, "avro-svc");
            KafkaClients clients = new KafkaClients(config);
            SerdeSettings serdes = SerdeSettings.of(stack.schemaRegistryUrl());
            // registering needs the services' registry credential; reading by id does not
            dev.cdiff.platform.registry.SchemaRegistryClient writer = dev.cdiff.platform.registry.SchemaRegistryClient
                    .fromConfig(config, java.time.Duration.ofSeconds(30));
            String topic = config.topic(Topics.CONCEPT_REJECTED);

            ConceptRejected event = ConceptRejected.newBuilder()
                    .setEventId("evt-avro-1").setTenantId("acme").setJobId("job-9")
                    .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                    .setReasonCode("TOO_FEW_IMAGES").setReason("1 image, need 3").setOffendingItems(List.of())
                    .build();
            try (KafkaProducer<String, ConceptRejected> p = clients.producer(new StringSerializer(),
                    new ConfluentAvroSerializer<>(writer, true));
                 KafkaProducer<String, byte[]> raw = clients.producer(new StringSerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(topic, "job-9", event)).get();
                raw.send(new ProducerRecord<>(topic, "job-x", "not avro".getBytes(StandardCharsets.UTF_8))).get();
                p.send(new ProducerRecord<>(topic, "job-9", event)).get(); // redelivered duplicate
            }

            List<ConceptRejected> handled = Collections.synchronizedList(new ArrayList<>());
            KafkaProducer<String, DeadLetter> dlqProducer = clients.producer(new StringSerializer(),
                    new ConfluentAvroSerializer<>(writer, true));
            EventLoop<ConceptRejected> loop = EventLoop.builder("avro-svc",
                            new ConfluentAvroDeserializer<>(ConceptRejected.class, serdes))
                    .config(config)
                    .consumer(clients.rawConsumer())
                    .topics(topic)
                    .eventId(ConceptRejected::getEventId)
                    .tenantAndJob(ConceptRejected::getTenantId, ConceptRejected::getJobId)
                    .idempotency(new S3IdempotencyStore(ArtifactStore.fromConfig(config)))
                    .deadLetters(new KafkaDeadLetterPublisher<>(dlqProducer, config.deadLetterTopic(),
                            DeadLetterEnvelope::toAvro))
                    .handler(e -> handled.add(e.value()))
                    .build().start();
            try {
                long deadline = System.currentTimeMillis() + 30_000;
                while ((loop.stats().duplicates() < 1 || loop.stats().deadLettered() < 1)
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
            } finally {
                loop.close();
                dlqProducer.close();
            }
            assertEquals(List.of(event), handled);
            assertEquals(1, loop.stats().duplicates());

            List<DeadLetter> letters = new ArrayList<>();
            try (KafkaConsumer<String, DeadLetter> c = clients.consumer("dlq-reader", new StringDeserializer(),
                    new ConfluentAvroDeserializer<>(DeadLetter.class, serdes))) {
                c.subscribe(List.of(config.deadLetterTopic()));
                long deadline = System.currentTimeMillis() + 20_000;
                while (letters.isEmpty() && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, DeadLetter> r : c.poll(Duration.ofMillis(200))) {
                        letters.add(r.value());
                    }
                }
            }
            assertEquals(1, letters.size());
            DeadLetter letter = letters.get(0);
            assertEquals("avro-svc", letter.getService());
            assertEquals(topic, letter.getOriginalTopic());
            assertEquals("not avro", StandardCharsets.UTF_8.decode(letter.getOriginalValue()).toString());
            assertTrue(letter.getErrorClass().contains("Serialization"), letter.getErrorClass());
        }
    }
}

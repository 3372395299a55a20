package dev.cdiff.cli.dlq;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroDeserializer;
import dev.cdiff.platform.serde.ConfluentAvroGenericDeserializer;
import dev.cdiff.schemas.events.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The dead-letter topic as an operator sees it: every envelope (read from the start, without joining a group, so
 * reading changes no committed offset), one envelope with its original decoded, and replay of an original record,
 * byte for byte, to the topic it came from.
 */
public final class DeadLetters {
    /** Header on a replayed record naming the envelope it came from. */
    public static final String REPLAYED_FROM = "cdiff-replayed-from";

    private final ServiceConfig config;
    private final SchemaRegistryClient registry;

    /** One envelope and where it sits on the dead-letter topic. */
    public record Entry(int partition, long offset, String key, DeadLetter letter) {
        public String id() {
            return letter.getEventId();
        }

        /** The job: the envelope's when the original was decoded, else the original record's key. */
        public String jobId() {
            if (letter.getJobId() != null) {
                return letter.getJobId();
            }
            return letter.getOriginalKey() == null ? key : new String(bytes(letter.getOriginalKey()), StandardCharsets.UTF_8);
        }
    }

    public DeadLetters(ServiceConfig config) {
        this.config = config;
        this.registry = new SchemaRegistryClient(config.schemaRegistryUrl());
    }

    /** Every envelope on the topic now, oldest first. */
    public List<Entry> list() {
        String topic = config.deadLetterTopic();
        ConfluentAvroDeserializer<DeadLetter> decoder = new ConfluentAvroDeserializer<>(DeadLetter.class, registry);
        List<Entry> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaClients(config).consumer("cdiff-dlq-reader",
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                return out;
            }
            infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!caughtUp(consumer, end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    DeadLetter letter = decoder.deserialize(r.topic(), r.value());
                    out.add(new Entry(r.partition(), r.offset(),
                            r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), letter));
                }
            }
        }
        out.sort(Comparator.comparing((Entry e) -> e.letter().getFailedAt()).thenComparing(Entry::id));
        return out;
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    public Entry find(String envelopeId) {
        return list().stream().filter(e -> e.id().equals(envelopeId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no dead letter with id " + envelopeId + " on "
                        + config.deadLetterTopic()));
    }

    /**
     * The original record decoded with the registry when it can be (JSON of the writer's fields), or why not and
     * its first bytes in hex.
     */
    public String describeOriginal(DeadLetter letter) {
        if (letter.getOriginalValue() == null) {
            return "(no value)";
        }
        byte[] value = bytes(letter.getOriginalValue());
        try {
            return new ConfluentAvroGenericDeserializer(registry, null).deserialize(letter.getOriginalTopic(), value)
                    .toString();
        } catch (RuntimeException e) {
            byte[] head = java.util.Arrays.copyOf(value, Math.min(value.length, 64));
            return "(undecodable: " + e.getMessage() + ") " + value.length + " bytes: " + HexFormat.of().formatHex(head)
                    + (value.length > head.length ? "..." : "");
        }
    }

    /**
     * Sends the original key and value, unchanged, back to the original topic (with the configured prefix already
     * part of the recorded topic name), tagged with the envelope id. The consumer that gave up gets it again;
     * its idempotency marker was never set for a dead-lettered event, so it is processed anew.
     */
    public List<RecordMetadata> replay(List<Entry> entries) {
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer(new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (Entry e : entries) {
                DeadLetter letter = e.letter();
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(letter.getOriginalTopic(),
                        letter.getOriginalKey() == null ? null : bytes(letter.getOriginalKey()),
                        letter.getOriginalValue() == null ? null : bytes(letter.getOriginalValue()));
                record.headers().add(REPLAYED_FROM, letter.getEventId().getBytes(StandardCharsets.UTF_8));
                try {
                    sent.add(producer.send(record).get(60, TimeUnit.SECONDS));
                } catch (Exception ex) {
                    throw new IllegalStateException("cannot replay " + letter.getEventId() + " to "
                            + letter.getOriginalTopic() + ": " + ex.getMessage(), ex);
                }
            }
        }
        return sent;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

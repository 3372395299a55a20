package dev.cdiff.embedded.testing;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.schemas.events.DeadLetter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What the attack tests of every service need: send a hostile event as a plain producer would, wait for the answer
 * (a dead letter or a refusal event), and observe side effects (stored data, a canary folder outside the scratch
 * area). Test scope only.
 */
public final class AttackProbes {
    private AttackProbes() {
    }

    /** Sends {@code event} keyed {@code key} to {@code topic}; returns the dead letter {@code service} wrote for it. */
    public static DeadLetter deadLetterFor(LoopbackStack stack, KafkaProducer<String, SpecificRecord> producer,
                                           String service, String topic, String key, SpecificRecord event,
                                           Duration wait) {
        return answerTo(stack, producer, topic, key, event, Topics.DEAD_LETTER, DeadLetter.class,
                d -> d.getService().equals(service) && d.getOriginalKey() != null
                        && StandardCharsets.UTF_8.decode(d.getOriginalKey().duplicate()).toString().equals(key), wait);
    }

    /** Sends {@code event} and returns the first {@code type} on {@code answerTopic} that {@code match} accepts. */
    public static <T> T answerTo(LoopbackStack stack, KafkaProducer<String, SpecificRecord> producer, String topic,
                                 String key, SpecificRecord event, String answerTopic, Class<T> type,
                                 Predicate<T> match, Duration wait) {
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(answerTopic)) {
            producer.send(new ProducerRecord<>(topic, key, event)).get();
            return LoopbackStack.await(consumer, type, match, 1, wait).get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot send the attack event", e);
        }
    }

    /**
     * Every object of every tenant and of the shared area. Idempotency markers are left out: they are a service's
     * own bookkeeping of having answered (here, refused) a request, not data anyone reads.
     */
    public static List<ObjectSummary> tenantData(ArtifactStore store) {
        List<ObjectSummary> all = new ArrayList<>(store.list("tenants/"));
        all.addAll(store.list("shared/"));
        return all;
    }

    /** Makes {@code folder} with one file in it, to be checked with {@link #contents} after an attack. */
    public static Path plantCanary(Path folder) {
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("keep.txt"), "must survive");
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Relative paths of everything under {@code folder} ("" for the folder itself), sorted. */
    public static List<String> contents(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.map(p -> folder.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

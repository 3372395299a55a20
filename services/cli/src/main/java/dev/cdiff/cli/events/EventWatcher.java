package dev.cdiff.cli.events;

import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroGenericDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Reads every event topic (no consumer group: it assigns all partitions itself, so it never disturbs the services'
 * offsets) and decodes each record through the schema registry. Starts either at the beginning of the topics (to
 * replay a job's history) or at their end (to watch what happens next), and keeps every event it has seen.
 */
public final class EventWatcher implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ConfluentAvroGenericDeserializer decoder;
    private final SchemaRegistryClient registry;
    private final Map<TopicPartition, Long> endAtStart;
    private final List<ObservedEvent> seen = new CopyOnWriteArrayList<>();
    private final List<Consumer<ObservedEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final Object signal = new Object();
    private volatile boolean caughtUp;
    private volatile boolean closed;
    private volatile RuntimeException failure;

    private EventWatcher(Endpoints endpoints, boolean fromBeginning) {
        Map<String, Object> c = new HashMap<>(dev.cdiff.platform.kafka.KafkaClients.security(
                endpoints.serviceConfig("cdiff-cli")));
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrapServers());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "cdiff-cli-events-" + UUID.randomUUID().toString().substring(0, 8));
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.registry = SchemaRegistryClient.fromConfig(endpoints.serviceConfig("cdiff-cli"), Duration.ofSeconds(10));
        this.decoder = new ConfluentAvroGenericDeserializer(registry, null);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String logical : Topics.all().values()) {
            String topic = endpoints.topicPrefix() + logical;
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null) {
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
        }
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
        this.endAtStart = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(10)));
        // resolve the lazy seeks now, so events published right after start() returns are never skipped
        partitions.forEach(consumer::position);
        this.thread = new Thread(this::run, "cdiff-event-watcher");
        this.thread.setDaemon(true);
    }

    /** Starts reading; {@code fromBeginning} false watches only events published after this call returns. */
    public static EventWatcher start(Endpoints endpoints, boolean fromBeginning) {
        EventWatcher w = new EventWatcher(endpoints, fromBeginning);
        w.thread.start();
        return w;
    }

    private void run() {
        try {
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    ObservedEvent event = decode(r);
                    seen.add(event);
                    listeners.forEach(l -> l.accept(event));
                }
                if (!caughtUp && endAtStart.entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp = true;
                }
                synchronized (signal) {
                    signal.notifyAll();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close(Duration.ofSeconds(2));
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    private ObservedEvent decode(ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        try {
            ConfluentAvroGenericDeserializer.Decoded d = decoder.decode(r.topic(), r.value());
            return new ObservedEvent(r.topic(), r.partition(), r.offset(), key, r.timestamp(), d.schemaId(),
                    d.record(), null);
        } catch (RuntimeException e) {
            return new ObservedEvent(r.topic(), r.partition(), r.offset(), key, r.timestamp(), -1, null,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Calls the listener for every event seen from now on (on the watcher's thread). */
    public void onEvent(Consumer<ObservedEvent> listener) {
        listeners.add(listener);
    }

    public List<ObservedEvent> events() {
        return List.copyOf(seen);
    }

    public List<ObservedEvent> eventsOf(String jobId) {
        return seen.stream().filter(e -> e.belongsTo(jobId)).toList();
    }

    /** True once everything that was in the topics when the watcher started has been read. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Waits until the topics' contents at start have been read. */
    public void awaitCaughtUp(Duration timeout) throws TimeoutException, InterruptedException {
        awaitCondition(this::caughtUp, timeout, "reading the existing events");
    }

    /** The first event (already seen or still to come) that matches. */
    public ObservedEvent await(Predicate<ObservedEvent> match, Duration timeout, String what)
            throws TimeoutException, InterruptedException {
        ObservedEvent[] found = new ObservedEvent[1];
        awaitCondition(() -> {
            for (ObservedEvent e : seen) {
                if (match.test(e)) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        }, timeout, what);
        return found[0];
    }

    private void awaitCondition(java.util.function.BooleanSupplier done, Duration timeout, String what)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (signal) {
            while (!done.getAsBoolean()) {
                if (failure != null) {
                    throw new IllegalStateException("reading events failed", failure);
                }
                if (!thread.isAlive() && thread.getState() != Thread.State.NEW) {
                    throw new IllegalStateException("the event watcher stopped");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
                }
                signal.wait(Math.max(1, Math.min(left / 1_000_000, 200)));
            }
        }
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        registry.close();
    }
}

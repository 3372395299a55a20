package dev.cdiff.platform.kafka;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.idempotency.EventPayloads;
import dev.cdiff.platform.idempotency.HandledEvent;
import dev.cdiff.platform.idempotency.IdempotencyStore;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The consumer loop every service runs. For each record, in order: decode (a record that cannot be decoded is
 * dead-lettered), skip it if the tenant's event (id and payload) is already marked processed, call the handler with bounded retries,
 * mark the event processed, and only then commit the record's offset. A record that fails for good (after the
 * last retry, or at once when the failure is not retryable) goes to the dead-letter publisher, and the loop
 * moves on. A crash at any point therefore leads to redelivery, never to loss, and the idempotency marker
 * makes the redelivery harmless.
 *
 * <p>The loop owns its consumer (closes it on exit). {@link #close()} wakes the consumer, lets the current
 * handler finish, and returns once the loop thread has ended.
 */
public final class EventLoop<V> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    private final String service;
    private final Consumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final Deserializer<V> decoder;
    private final EventHandler<V> handler;
    private final Function<V, String> eventIdOf;
    private final Function<V, String> tenantIdOf;
    private final Function<V, String> jobIdOf;
    private final IdempotencyStore idempotency;
    private final Function<V, String> payloadDigestOf;
    private final DeadLetterPublisher deadLetters;
    private final RetryPolicy retryPolicy;
    private final Predicate<Throwable> retryable;
    private final Duration pollTimeout;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Stats stats = new Stats();
    private final java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Thread thread;
    private volatile Thread runner;
    private volatile Throwable failure;

    private EventLoop(Builder<V> b) {
        this.service = Objects.requireNonNull(b.service, "service name");
        this.consumer = Objects.requireNonNull(b.consumer, "consumer");
        this.topics = List.copyOf(Objects.requireNonNull(b.topics, "topics"));
        this.decoder = Objects.requireNonNull(b.decoder, "value decoder");
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.deadLetters = Objects.requireNonNull(b.deadLetters, "dead-letter publisher");
        this.eventIdOf = b.eventIdOf;
        this.tenantIdOf = b.tenantIdOf;
        this.jobIdOf = b.jobIdOf;
        this.idempotency = b.idempotency;
        this.payloadDigestOf = b.payloadDigestOf;
        this.retryPolicy = b.retryPolicy;
        this.retryable = b.retryable;
        this.pollTimeout = b.pollTimeout;
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("EventLoop for " + service + " needs at least one topic");
        }
        if (idempotency != null && (eventIdOf == null || tenantIdOf == null)) {
            throw new IllegalArgumentException("EventLoop for " + service
                    + ": an idempotency store needs eventId(...) and tenantAndJob(...)");
        }
    }

    public static <V> Builder<V> builder(String service, Deserializer<V> decoder) {
        return new Builder<V>().service(service).decoder(decoder);
    }

    /** Runs the loop on a new thread named {@code event-loop-<service>}. */
    public synchronized EventLoop<V> start() {
        if (thread != null) {
            throw new IllegalStateException("EventLoop " + service + " already started");
        }
        thread = new Thread(this::run, "event-loop-" + service);
        thread.start();
        return this;
    }

    /** Runs the loop on the calling thread until {@link #close()} is called from another thread. */
    public void run() {
        if (!ran.compareAndSet(false, true)) {
            if (stopping()) {
                return; // closed before it began; close() released the consumer
            }
            throw new IllegalStateException("EventLoop " + service + " can run only once");
        }
        runner = Thread.currentThread();
        if (stopping()) {
            closeConsumer();
            finished.countDown();
            return;
        }
        try {
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    LOG.info("{}: partitions revoked {}", service, partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    LOG.info("{}: partitions assigned {}", service, partitions);
                }
            });
            while (!stopping()) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
                } catch (WakeupException e) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (!consumer.assignment().contains(tp)) {
                        continue; // revoked during this batch: the new owner reprocesses from the committed offset
                    }
                    if (!process(record)) {
                        return; // stopped before the outcome was stored; the record will be redelivered
                    }
                    commit(tp, record.offset() + 1);
                    if (stopping()) {
                        break;
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
            LOG.error("{}: event loop stopped by an unexpected error", service, t);
        } finally {
            closeConsumer();
            finished.countDown();
        }
    }

    private void closeConsumer() {
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the consumer failed: {}", service, e.toString());
        }
    }

    private boolean stopping() {
        return stopRequested.getCount() == 0;
    }

    /** @return true when the record's outcome (handled, duplicate or dead-lettered) is stored */
    private boolean process(ConsumerRecord<byte[], byte[]> record) {
        V value;
        String eventId;
        try {
            value = decoder.deserialize(record.topic(), record.headers(), record.value());
            if (value == null) {
                throw new NonRetryableException("record has no value (tombstone or empty)");
            }
            eventId = eventIdOf == null ? null : eventIdOf.apply(value);
            if (eventIdOf != null && (eventId == null || eventId.isBlank())) {
                throw new NonRetryableException("event has no event id");
            }
        } catch (Exception e) {
            LOG.warn("{}: cannot decode {}-{}@{}: {}", service, record.topic(), record.partition(), record.offset(), e.toString());
            return deadLetter(record, null, null, e, 1);
        }

        boolean handled = false;
        for (int attempt = 1; ; attempt++) {
            try {
                if (!handled) {
                    if (idempotency != null && idempotency.isProcessed(service, handledEvent(record, value, eventId))) {
                        stats.duplicates.incrementAndGet();
                        LOG.info("{}: event {} already processed, skipping {}-{}@{}", service, eventId,
                                record.topic(), record.partition(), record.offset());
                        return true;
                    }
                    handler.handle(new InboundEvent<>(record.topic(), record.partition(), record.offset(),
                            record.timestamp(), utf8(record.key()), value, eventId, record.headers(), attempt));
                    handled = true;
                }
                if (idempotency != null) {
                    idempotency.markProcessed(service, handledEvent(record, value, eventId),
                            record.topic() + "-" + record.partition() + "@" + record.offset());
                }
                stats.handled.incrementAndGet();
                return true;
            } catch (Exception e) {
                if (isRetryable(e) && stopping()) {
                    // a handler cut short by shutdown (e.g. an interrupted training run) failed because we are
                    // stopping, not because the event is bad: leave it uncommitted for the next owner
                    LOG.info("{}: {}-{}@{} (event {}) interrupted by shutdown after attempt {}; left for redelivery",
                            service, record.topic(), record.partition(), record.offset(), eventId, attempt);
                    return false;
                }
                boolean again = isRetryable(e) && attempt < retryPolicy.maxAttempts();
                LOG.warn("{}: attempt {}/{} for {}-{}@{} (event {}) failed: {}{}", service, attempt,
                        retryPolicy.maxAttempts(), record.topic(), record.partition(), record.offset(), eventId,
                        e.toString(), again ? "; retrying" : "; giving up");
                if (!again) {
                    return deadLetter(record, value, eventId, e, attempt);
                }
                stats.retries.incrementAndGet();
                if (pause(retryPolicy.backoffAfter(attempt))) {
                    return false;
                }
            }
        }
    }

    /** Markers are per tenant and bound to the payload, so a reused or predicted event id skips nothing foreign. */
    private HandledEvent handledEvent(ConsumerRecord<byte[], byte[]> record, V value, String eventId) {
        String digest = payloadDigestOf != null ? payloadDigestOf.apply(value) : EventPayloads.sha256(record.value());
        return new HandledEvent(tenantIdOf.apply(value), eventId, digest);
    }

    private boolean isRetryable(Throwable e) {
        if (e instanceof NonRetryableException || e instanceof SerializationException
                || e instanceof IllegalArgumentException) {
            return false;
        }
        return retryable.test(e);
    }

    /** Publishes the envelope, retrying until it is stored or the loop is stopped. */
    private boolean deadLetter(ConsumerRecord<byte[], byte[]> record, V value, String eventId, Throwable error,
                               int attempts) {
        DeadLetterEnvelope envelope = new DeadLetterEnvelope(UUID.randomUUID().toString(), service,
                record.topic(), record.partition(), record.offset(), record.key(), record.value(), eventId,
                value == null ? null : safely(tenantIdOf, value), value == null ? null : safely(jobIdOf, value),
                error.getClass().getName(), describe(error), attempts, Instant.now());
        for (int tries = 1; ; tries++) {
            try {
                deadLetters.publish(envelope);
                stats.deadLettered.incrementAndGet();
                LOG.warn("{}: dead-lettered {}-{}@{} after {} attempt(s): {}", service, record.topic(),
                        record.partition(), record.offset(), attempts, envelope.errorMessage());
                return true;
            } catch (Exception e) {
                LOG.error("{}: cannot publish dead letter for {}-{}@{} (try {}): {}", service, record.topic(),
                        record.partition(), record.offset(), tries, e.toString());
                if (pause(retryPolicy.backoffAfter(Math.min(tries, 10)))) {
                    return false;
                }
            }
        }
    }

    private String safely(Function<V, String> f, V value) {
        try {
            return f == null ? null : f.apply(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + " (caused by " + root.getClass().getName() + ": " + root.getMessage() + ")";
        }
        return message;
    }

    private static String utf8(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** @return true when the loop was asked to stop while waiting */
    private boolean pause(Duration d) {
        try {
            return stopRequested.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested.countDown();
            return true;
        }
    }

    private void commit(TopicPartition tp, long nextOffset) {
        Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(tp, new OffsetAndMetadata(nextOffset));
        for (int tries = 0; tries < 2; tries++) {
            try {
                consumer.commitSync(offsets);
                return;
            } catch (WakeupException e) {
                // close() woke the consumer while we were committing: the wakeup is consumed, so commit again
            } catch (CommitFailedException | RebalanceInProgressException e) {
                stats.commitFailures.incrementAndGet();
                LOG.warn("{}: commit of {}@{} failed ({}); the record may be redelivered and will be skipped as a duplicate",
                        service, tp, nextOffset, e.toString());
                return;
            }
        }
    }

    /** Stops the loop: the current record finishes (or is left for redelivery), then the consumer closes. */
    @Override
    public void close() {
        stopRequested.countDown();
        if (ran.compareAndSet(false, true)) {
            closeConsumer(); // never ran: nothing else will release the consumer
            finished.countDown();
            return;
        }
        if (finished.getCount() > 0) {
            consumer.wakeup();
        }
        if (Thread.currentThread() != runner) {
            try {
                if (!finished.await(60, TimeUnit.SECONDS)) {
                    LOG.error("{}: event loop did not stop within 60 s", service);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the loop to end on its own (e.g. after a fatal error). */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The error that ended the loop, or null. */
    public Throwable failure() {
        return failure;
    }

    public Stats stats() {
        return stats;
    }

    public String service() {
        return service;
    }

    /** Counters for logs, health checks and tests. */
    public static final class Stats {
        final AtomicLong handled = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
        final AtomicLong commitFailures = new AtomicLong();

        public long handled() {
            return handled.get();
        }

        public long duplicates() {
            return duplicates.get();
        }

        public long retries() {
            return retries.get();
        }

        public long deadLettered() {
            return deadLettered.get();
        }

        public long commitFailures() {
            return commitFailures.get();
        }

        @Override
        public String toString() {
            return "handled=" + handled + " duplicates=" + duplicates + " retries=" + retries
                    + " deadLettered=" + deadLettered + " commitFailures=" + commitFailures;
        }
    }

    public static final class Builder<V> {
        private String service;
        private Consumer<byte[], byte[]> consumer;
        private Collection<String> topics;
        private Deserializer<V> decoder;
        private EventHandler<V> handler;
        private Function<V, String> eventIdOf;
        private Function<V, String> tenantIdOf;
        private Function<V, String> jobIdOf;
        private IdempotencyStore idempotency;
        private Function<V, String> payloadDigestOf;
        private DeadLetterPublisher deadLetters;
        private RetryPolicy retryPolicy = new RetryPolicy(3, Duration.ofMillis(500), Duration.ofSeconds(10));
        private Predicate<Throwable> retryable = e -> true;
        private Duration pollTimeout = Duration.ofMillis(500);

        private Builder() {
        }

        public Builder<V> service(String service) {
            this.service = service;
            return this;
        }

        /** Service name, retry policy and poll timeout from the config. */
        public Builder<V> config(ServiceConfig config) {
            this.service = config.serviceName();
            this.retryPolicy = RetryPolicy.fromConfig(config);
            this.pollTimeout = config.pollTimeout();
            return this;
        }

        /** A byte-level consumer (e.g. {@link KafkaClients#rawConsumer()}); the loop closes it. */
        public Builder<V> consumer(Consumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
            return this;
        }

        public Builder<V> topics(Collection<String> topics) {
            this.topics = topics;
            return this;
        }

        public Builder<V> topics(String... topics) {
            return topics(List.of(topics));
        }

        public Builder<V> decoder(Deserializer<V> decoder) {
            this.decoder = decoder;
            return this;
        }

        public Builder<V> handler(EventHandler<V> handler) {
            this.handler = handler;
            return this;
        }

        /** How to read an event's id; with an {@link #idempotency(IdempotencyStore) idempotency store} it makes redeliveries harmless. */
        public Builder<V> eventId(Function<V, String> eventIdOf) {
            this.eventIdOf = eventIdOf;
            return this;
        }

        /** Tenant and job of an event, copied into dead-letter envelopes. */
        public Builder<V> tenantAndJob(Function<V, String> tenantIdOf, Function<V, String> jobIdOf) {
            this.tenantIdOf = tenantIdOf;
            this.jobIdOf = jobIdOf;
            return this;
        }

        public Builder<V> idempotency(IdempotencyStore store) {
            this.idempotency = store;
            return this;
        }

        /**
         * The digest an idempotency marker binds the event to (default: SHA-256 of the record's bytes); see
         * {@link EventPayloads#sha256(org.apache.avro.specific.SpecificRecord)} for Avro events.
         */
        public Builder<V> payloadDigest(Function<V, String> payloadDigestOf) {
            this.payloadDigestOf = payloadDigestOf;
            return this;
        }

        public Builder<V> deadLetters(DeadLetterPublisher publisher) {
            this.deadLetters = publisher;
            return this;
        }

        public Builder<V> retryPolicy(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy);
            return this;
        }

        /**
         * Which failures deserve another attempt. {@link NonRetryableException}, {@link SerializationException}
         * and {@link IllegalArgumentException} never do, whatever this says.
         */
        public Builder<V> retryable(Predicate<Throwable> retryable) {
            this.retryable = Objects.requireNonNull(retryable);
            return this;
        }

        public Builder<V> pollTimeout(Duration pollTimeout) {
            this.pollTimeout = Objects.requireNonNull(pollTimeout);
            return this;
        }

        public EventLoop<V> build() {
            return new EventLoop<>(this);
        }
    }
}

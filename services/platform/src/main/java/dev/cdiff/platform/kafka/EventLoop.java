package dev.cdiff.platform.kafka;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.faults.FailureKind;
import dev.cdiff.platform.faults.InfrastructureUnavailable;
import dev.cdiff.platform.faults.ProcessExit;
import dev.cdiff.platform.idempotency.EventPayloads;
import dev.cdiff.platform.idempotency.HandledEvent;
import dev.cdiff.platform.idempotency.IdempotencyStore;
import dev.cdiff.platform.logging.EventLogContext;
import dev.cdiff.platform.metrics.EventLoopMetrics;
import dev.cdiff.platform.metrics.ServiceMetrics;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The consumer loop every service runs. For each record, in order: decode, skip it if the tenant's event (id and
 * payload) is already marked processed, call the handler, mark the event processed, and only then commit the record's offset. A crash
 * at any point therefore leads to redelivery, never to loss, and the idempotency marker makes the redelivery
 * harmless.
 *
 * <p>Failures are sorted by {@link FailureKind}:
 * <ul>
 *   <li>infrastructure (registry, S3 or broker unreachable, at decode, idempotency check, handling or marking):
 *       the loop waits with capped exponential backoff for as long as the outage lasts, polling with every
 *       assigned partition paused so it stays in its group, then tries the same record again. Such a record
 *       is never dead-lettered;</li>
 *   <li>poison (undecodable while the registry answers, invalid content): dead-lettered at once;</li>
 *   <li>anything else: retried up to the policy's attempts, then dead-lettered.</li>
 * </ul>
 * A {@link Error} ends the loop and, through the {@link ProcessExit}, the process: a loop that cannot run must
 * not leave a process that looks healthy.
 *
 * <p>The loop owns its consumer (closes it on exit). {@link #close()} wakes the consumer, lets the current
 * handler finish, and returns once the loop thread has ended.
 */
public final class EventLoop<V> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    private final String service;
    private final Consumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final java.util.regex.Pattern topicPattern;
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
    private final ProcessExit processExit;
    private final java.util.function.Consumer<Collection<TopicPartition>> onRevoked;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Stats stats = new Stats();
    private final EventLoopMetrics metrics;
    private final java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Thread thread;
    private volatile Thread runner;
    private volatile Throwable failure;
    private volatile long lastPollNanos = System.nanoTime();
    private volatile boolean handling;
    private volatile InfrastructureUnavailable.Dependency waitingFor;
    /** Bumped by every rebalance callback: records fetched before a rebalance may no longer be ours to process. */
    private final AtomicLong rebalances = new AtomicLong();

    /** What became of one record. */
    private enum Outcome {
        /** handled, duplicate or dead-lettered: commit it */
        STORED,
        /** stopped before the outcome was stored: leave it for redelivery */
        STOPPED,
        /** the partitions moved while waiting: the rest of the batch is sought back and fetched again */
        REBALANCED
    }

    private EventLoop(Builder<V> b) {
        this.service = Objects.requireNonNull(b.service, "service name");
        this.consumer = Objects.requireNonNull(b.consumer, "consumer");
        this.topics = List.copyOf(Objects.requireNonNull(b.topics, "topics"));
        this.topicPattern = b.topicPattern;
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
        this.processExit = b.processExit;
        this.onRevoked = b.onRevoked;
        this.metrics = new EventLoopMetrics(b.meterRegistry, service);
        if (topics.isEmpty() && topicPattern == null) {
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
            ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    rebalances.incrementAndGet();
                    LOG.info("{}: partitions revoked {}", service, partitions);
                    onRevoked.accept(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    rebalances.incrementAndGet();
                    LOG.info("{}: partitions assigned {}", service, partitions);
                }
            };
            if (topicPattern != null) {
                consumer.subscribe(topicPattern, listener);
            } else {
                consumer.subscribe(topics, listener);
            }
            while (!stopping()) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
                    lastPollNanos = System.nanoTime();
                } catch (WakeupException e) {
                    break;
                }
                recordLag();
                List<ConsumerRecord<byte[], byte[]>> batch = new java.util.ArrayList<>();
                records.forEach(batch::add);
                for (int i = 0; i < batch.size(); i++) {
                    ConsumerRecord<byte[], byte[]> record = batch.get(i);
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (!consumer.assignment().contains(tp)) {
                        continue; // revoked during this batch: the new owner reprocesses from the committed offset
                    }
                    Outcome outcome = process(record);
                    if (outcome == Outcome.STOPPED) {
                        return; // stopped before the outcome was stored; the record will be redelivered
                    }
                    if (outcome == Outcome.REBALANCED) {
                        seekBack(batch.subList(i, batch.size()));
                        break;
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
            Throwable fatal = failure;
            if (fatal instanceof Error) {
                processExit.exit(ProcessExit.FATAL_STATUS, "event loop of " + service + " died: " + fatal, fatal);
            }
        }
    }

    /**
     * Rewinds every still-assigned partition to its first record not yet processed, so the next poll fetches them
     * again in order (after a rebalance the fetched batch may be stale, and the position may have moved).
     */
    private void seekBack(List<ConsumerRecord<byte[], byte[]>> unprocessed) {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : unprocessed) {
            first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
        Set<TopicPartition> assigned = consumer.assignment();
        first.forEach((tp, offset) -> {
            if (assigned.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
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

    private Outcome process(ConsumerRecord<byte[], byte[]> record) {
        handling = true;
        metrics.consumed(record.topic());
        long started = System.nanoTime();
        Outcome outcome = null;
        try {
            outcome = processRecord(record);
            return outcome;
        } finally {
            handling = false;
            waitingFor = null;
            EventLogContext.clear();
            metrics.processed(record.topic(), outcome == null ? "failed" : outcome.name().toLowerCase(java.util.Locale.ROOT),
                    System.nanoTime() - started);
        }
    }

    /** Lag of every assigned partition as this member's fetch state knows it (no broker round trip). */
    private void recordLag() {
        for (TopicPartition tp : consumer.assignment()) {
            java.util.OptionalLong lag = consumer.currentLag(tp);
            if (lag.isPresent()) {
                metrics.lag(tp, lag.getAsLong());
            }
        }
    }

    private Outcome processRecord(ConsumerRecord<byte[], byte[]> record) {
        V value;
        String eventId;
        for (int outage = 1; ; outage++) {
            try {
                value = decoder.deserialize(record.topic(), record.headers(), record.value());
                if (value == null) {
                    throw new NonRetryableException("record has no value (tombstone or empty)");
                }
                eventId = eventIdOf == null ? null : eventIdOf.apply(value);
                if (eventIdOf != null && (eventId == null || eventId.isBlank())) {
                    throw new NonRetryableException("event has no event id");
                }
                EventLogContext.set(safely(tenantIdOf, value), safely(jobIdOf, value), eventId);
                break;
            } catch (Exception e) {
                if (FailureKind.of(e) == FailureKind.INFRASTRUCTURE) {
                    Outcome waited = waitOut(record, e, outage);
                    if (waited != null) {
                        return waited;
                    }
                    continue;
                }
                LOG.warn("{}: cannot decode {}-{}@{}: {}", service, record.topic(), record.partition(), record.offset(),
                        e.toString());
                return deadLetter(record, null, null, e, 1);
            }
        }

        boolean handled = false;
        int attempt = 1;
        int outage = 0;
        while (true) {
            long generation = rebalances.get();
            try {
                if (!handled) {
                    if (idempotency != null && idempotency.isProcessed(service, handledEvent(record, value, eventId))) {
                        stats.duplicates.incrementAndGet();
                        metrics.duplicate(record.topic());
                        LOG.info("{}: event {} already processed, skipping {}-{}@{}", service, eventId,
                                record.topic(), record.partition(), record.offset());
                        return Outcome.STORED;
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
                return Outcome.STORED;
            } catch (Exception e) {
                if (rebalances.get() != generation && !handled
                        && (!consumer.assignment().contains(new TopicPartition(record.topic(), record.partition()))
                        || revokedDuringHandling(e))) {
                    // the handler gave the record up because its partition was revoked mid-run (and it may have
                    // come straight back, under eager rebalancing): the owner starts it afresh from its offset
                    LOG.info("{}: {}-{}@{} (event {}) stopped by a rebalance after attempt {}; left for the new owner",
                            service, record.topic(), record.partition(), record.offset(), eventId, attempt);
                    return Outcome.REBALANCED;
                }
                FailureKind kind = kindOf(e);
                if (kind != FailureKind.POISON && stopping()) {
                    // a handler cut short by shutdown (e.g. an interrupted training run) failed because we are
                    // stopping, not because the event is bad: leave it uncommitted for the next owner
                    LOG.info("{}: {}-{}@{} (event {}) interrupted by shutdown after attempt {}; left for redelivery",
                            service, record.topic(), record.partition(), record.offset(), eventId, attempt);
                    return Outcome.STOPPED;
                }
                if (kind == FailureKind.INFRASTRUCTURE) {
                    // the attempt does not count: the record was never really tried
                    Outcome waited = waitOut(record, e, ++outage);
                    if (waited != null) {
                        return waited;
                    }
                    continue;
                }
                outage = 0;
                boolean again = kind == FailureKind.UNEXPECTED && attempt < retryPolicy.maxAttempts();
                LOG.warn("{}: attempt {}/{} for {}-{}@{} (event {}) failed: {}{}", service, attempt,
                        retryPolicy.maxAttempts(), record.topic(), record.partition(), record.offset(), eventId,
                        e.toString(), again ? "; retrying" : "; giving up");
                if (!again) {
                    return deadLetter(record, value, eventId, e, attempt);
                }
                stats.retries.incrementAndGet();
                metrics.retried(record.topic());
                Outcome waited = pausedWait(record, retryPolicy.backoffAfter(attempt));
                if (waited != null) {
                    return waited;
                }
                attempt++;
            }
        }
    }

    /** Markers are per tenant and bound to the payload, so a reused or predicted event id skips nothing foreign. */
    private HandledEvent handledEvent(ConsumerRecord<byte[], byte[]> record, V value, String eventId) {
        String digest = payloadDigestOf != null ? payloadDigestOf.apply(value) : EventPayloads.sha256(record.value());
        return new HandledEvent(tenantIdOf.apply(value), eventId, digest);
    }

    private FailureKind kindOf(Exception e) {
        FailureKind kind = FailureKind.of(e);
        if (kind == FailureKind.UNEXPECTED && !retryable.test(e)) {
            return FailureKind.POISON;
        }
        return kind;
    }

    /**
     * Waits out an outage before the {@code outage}-th retry of the same record: backoff doubling from the
     * policy's initial value to its cap, for ever (until the dependency answers or the loop is closed).
     *
     * @return null to try the record again, or the outcome to report (stopped, or partitions moved meanwhile)
     */
    private Outcome waitOut(ConsumerRecord<byte[], byte[]> record, Exception e, int outage) {
        InfrastructureUnavailable.Dependency dependency = FailureKind.dependencyOf(e);
        waitingFor = dependency;
        stats.outageWaits.incrementAndGet();
        Duration backoff = retryPolicy.backoffAfter(outage);
        // the first wait and then one line per ten keep the log readable through a long outage
        if (outage == 1 || outage % 10 == 0) {
            LOG.warn("{}: {} unavailable while processing {}-{}@{} ({}); waiting {} ms and trying again (wait #{})",
                    service, dependency == null ? "a dependency" : dependency.label(), record.topic(),
                    record.partition(), record.offset(), e.toString(), backoff.toMillis(), outage);
        }
        Outcome outcome = pausedWait(record, backoff);
        if (outcome == null && outage > 1) {
            LOG.debug("{}: retrying {}-{}@{} after {} waits", service, record.topic(), record.partition(),
                    record.offset(), outage);
        }
        return outcome;
    }

    /**
     * Sleeps for {@code d} while staying in the group: every assigned partition is paused and the consumer keeps
     * polling, so neither max.poll.interval.ms nor the session lapses however long the wait.
     *
     * @return null to go on with the record, STOPPED when the loop was closed, REBALANCED when the record's
     *         partition moved (the new owner, or this loop after the next poll, takes it from there)
     */
    private Outcome pausedWait(ConsumerRecord<byte[], byte[]> record, Duration d) {
        long generation = rebalances.get();
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Set<TopicPartition> paused = new HashSet<>(consumer.assignment());
        paused.removeAll(consumer.paused());
        consumer.pause(paused);
        long deadline = System.nanoTime() + d.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                if (pause(Duration.ofNanos(Math.min(left, pollTimeout.toNanos())))) {
                    return Outcome.STOPPED;
                }
                try {
                    ConsumerRecords<byte[], byte[]> slipped = consumer.poll(Duration.ZERO);
                    lastPollNanos = System.nanoTime();
                    for (TopicPartition p : slipped.partitions()) {
                        consumer.seek(p, slipped.records(p).get(0).offset()); // a newly assigned, unpaused one
                    }
                    Set<TopicPartition> fresh = new HashSet<>(consumer.assignment());
                    fresh.removeAll(consumer.paused());
                    if (!fresh.isEmpty()) {
                        consumer.pause(fresh);
                        paused.addAll(fresh);
                    }
                } catch (WakeupException e) {
                    return Outcome.STOPPED;
                } catch (org.apache.kafka.common.KafkaException e) {
                    // the broker may be the thing that is down; polling again after the wait is all we can do
                    LOG.debug("{}: poll while waiting failed: {}", service, e.toString());
                }
            }
        } finally {
            Set<TopicPartition> stillOurs = new HashSet<>(paused);
            stillOurs.retainAll(consumer.assignment());
            consumer.resume(stillOurs);
        }
        if (rebalances.get() != generation) {
            if (consumer.assignment().contains(tp)) {
                consumer.seek(tp, record.offset());
            }
            return Outcome.REBALANCED;
        }
        return null;
    }

    /** A handler that stops work on a revoked partition says so with an exception named for it in its chain. */
    private static boolean revokedDuringHandling(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof PartitionRevokedException) {
                return true;
            }
        }
        return false;
    }

    /** Publishes the envelope, retrying until it is stored or the loop is stopped. */
    private Outcome deadLetter(ConsumerRecord<byte[], byte[]> record, V value, String eventId, Throwable error,
                               int attempts) {
        DeadLetterEnvelope envelope = new DeadLetterEnvelope(UUID.randomUUID().toString(), service,
                record.topic(), record.partition(), record.offset(), record.key(), record.value(), eventId,
                value == null ? null : safely(tenantIdOf, value), value == null ? null : safely(jobIdOf, value),
                error.getClass().getName(), describe(error), attempts, Instant.now());
        for (int tries = 1; ; tries++) {
            try {
                deadLetters.publish(envelope);
                stats.deadLettered.incrementAndGet();
                metrics.deadLettered(record.topic());
                LOG.warn("{}: dead-lettered {}-{}@{} after {} attempt(s): {}", service, record.topic(),
                        record.partition(), record.offset(), attempts, envelope.errorMessage());
                return Outcome.STORED;
            } catch (Exception e) {
                LOG.error("{}: cannot publish dead letter for {}-{}@{} (try {}): {}", service, record.topic(),
                        record.partition(), record.offset(), tries, e.toString());
                Outcome waited = pausedWait(record, retryPolicy.backoffAfter(tries));
                if (waited != null) {
                    return waited;
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

    /**
     * True while the loop thread runs and is either inside a handler (a training run may take hours; its own
     * keep-alive polls the consumer) or polled within {@code window}. False once it ended, by close or by error.
     */
    public boolean isLive(Duration window) {
        Thread t = runner;
        if (t == null || !t.isAlive() || finished.getCount() == 0) {
            return false;
        }
        return handling || System.nanoTime() - lastPollNanos < window.toNanos();
    }

    /** The dependency the loop is waiting for right now, or null. */
    public InfrastructureUnavailable.Dependency waitingFor() {
        return waitingFor;
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
        final AtomicLong outageWaits = new AtomicLong();

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

        /** Backoff waits for an unavailable dependency (these never lead to a dead letter). */
        public long outageWaits() {
            return outageWaits.get();
        }

        @Override
        public String toString() {
            return "handled=" + handled + " duplicates=" + duplicates + " retries=" + retries
                    + " deadLettered=" + deadLettered + " commitFailures=" + commitFailures + " outageWaits=" + outageWaits;
        }
    }

    public static final class Builder<V> {
        private String service;
        private Consumer<byte[], byte[]> consumer;
        private Collection<String> topics;
        private java.util.regex.Pattern topicPattern;
        private Deserializer<V> decoder;
        private EventHandler<V> handler;
        private Function<V, String> eventIdOf;
        private Function<V, String> tenantIdOf;
        private Function<V, String> jobIdOf;
        private IdempotencyStore idempotency;
        private Function<V, String> payloadDigestOf;
        private DeadLetterPublisher deadLetters;
        private RetryPolicy retryPolicy = new RetryPolicy(3, Duration.ofMillis(500), Duration.ofSeconds(30));
        private Predicate<Throwable> retryable = e -> true;
        private Duration pollTimeout = Duration.ofMillis(500);
        private ProcessExit processExit = ProcessExit.runtime();
        private final List<java.util.function.Consumer<? super EventLoop<V>>> whenBuilt = new java.util.ArrayList<>();
        private java.util.function.Consumer<Collection<TopicPartition>> onRevoked = partitions -> { };
        private MeterRegistry meterRegistry = ServiceMetrics.registry();

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

        /** Every topic whose whole name matches, including topics created while the loop runs. */
        public Builder<V> topicPattern(java.util.regex.Pattern pattern) {
            this.topicPattern = pattern;
            this.topics = List.of();
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
         * Which unexpected failures deserve another attempt. Poison ({@link NonRetryableException},
         * {@link SerializationException}, {@link IllegalArgumentException}) never does and an unavailable
         * dependency always does (without limit), whatever this says; see {@link FailureKind}.
         */
        public Builder<V> retryable(Predicate<Throwable> retryable) {
            this.retryable = Objects.requireNonNull(retryable);
            return this;
        }

        public Builder<V> pollTimeout(Duration pollTimeout) {
            this.pollTimeout = Objects.requireNonNull(pollTimeout);
            return this;
        }

        /** What a {@link Error} in the loop does to the process; tests pass a recorder instead of an exit. */
        public Builder<V> processExit(ProcessExit processExit) {
            this.processExit = Objects.requireNonNull(processExit);
            return this;
        }

        /** Told about the loop once built (e.g. to add it to the service's liveness check). */
        public Builder<V> whenBuilt(java.util.function.Consumer<? super EventLoop<V>> listener) {
            whenBuilt.add(Objects.requireNonNull(listener));
            return this;
        }

        /**
         * Called on the loop's thread, inside the poll that takes partitions away (including a poll a handler makes
         * to keep the member alive), before another member can own them: the moment to stop work on them.
         */
        public Builder<V> onPartitionsRevoked(java.util.function.Consumer<Collection<TopicPartition>> onRevoked) {
            this.onRevoked = Objects.requireNonNull(onRevoked);
            return this;
        }

        /** Where the loop's meters go (default: the process's registry, served at /metrics). */
        public Builder<V> meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry);
            return this;
        }

        public EventLoop<V> build() {
            EventLoop<V> loop = new EventLoop<>(this);
            whenBuilt.forEach(l -> l.accept(loop));
            return loop;
        }
    }
}

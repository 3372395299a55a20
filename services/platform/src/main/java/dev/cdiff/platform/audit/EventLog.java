package dev.cdiff.platform.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.store.ArtifactKeys;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.platform.store.Sha256;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A job's events kept for ever in S3, hash-chained: {@code audit/<tenant>/<job>/<seq>.json} holds one
 * {@link ArchivedEvent} whose {@code prevSha256} is the SHA-256 of the previous entry's bytes, and
 * {@code audit/<tenant>/<job>/head.json} names the last entry and its hash. A changed entry breaks the link of the
 * entry after it (or the head), a removed one leaves a gap in the sequence (or a head naming a missing entry), so
 * {@link #read} names every changed or missing event. Entries are created with {@code If-None-Match: *}: two
 * archivers racing on one job cannot fork its chain.
 *
 * <p>What it does not prove: someone able to rewrite every entry after a change and the head too can forge a
 * consistent chain; anchoring the head elsewhere (signed, or published) would close that.
 */
public final class EventLog {
    public static final String ROOT = "audit/";
    public static final String GENESIS = "0".repeat(64);
    private static final String HEAD = "head.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    record Head(long seq, String sha256) {
    }

    /** What the archive holds for a job and every break in its chain. */
    public record Verified(String tenantId, String jobId, List<ArchivedEvent> events, List<String> problems,
                           String headSha256) {
        public boolean intact() {
            return problems.isEmpty();
        }
    }

    private record Tail(Head head, Set<String> sources) {
    }

    private final ArtifactStore store;
    private final Map<String, Tail> tails = new HashMap<>();

    public EventLog(ArtifactStore store) {
        this.store = store;
    }

    public static String prefix(String tenant, String jobId) {
        return ROOT + ArtifactKeys.segment("tenant id", tenant) + "/" + ArtifactKeys.segment("job id", jobId) + "/";
    }

    static String entryKey(String tenant, String jobId, long seq) {
        return prefix(tenant, jobId) + String.format("%010d.json", seq);
    }

    /**
     * Appends an event to its job's chain; an event from a Kafka record already archived (a redelivery) is not
     * appended twice.
     *
     * @return the entry as stored, or empty for a redelivery
     */
    public synchronized Optional<ArchivedEvent> append(ArchivedEvent event) {
        String job = event.tenantId() + "/" + event.jobId();
        for (int attempt = 0; ; attempt++) {
            Tail tail = tails.computeIfAbsent(job, k -> loadTail(event.tenantId(), event.jobId()));
            if (tail.sources().contains(event.source())) {
                return Optional.empty();
            }
            long seq = tail.head() == null ? 0 : tail.head().seq() + 1;
            ArchivedEvent entry = event.chained(seq, tail.head() == null ? GENESIS : tail.head().sha256());
            byte[] bytes = bytes(entry);
            String key = entryKey(event.tenantId(), event.jobId(), seq);
            if (store.createIfAbsent(key, bytes, "application/json").isPresent()) {
                Head head = new Head(seq, Sha256.hex(bytes));
                tail.sources().add(event.source());
                tails.put(job, new Tail(head, tail.sources()));
                store.putAt(prefix(event.tenantId(), event.jobId()) + HEAD, bytes(head), "application/json");
                return Optional.of(entry);
            }
            // another archiver appended meanwhile: read the chain again and append after it
            tails.remove(job);
            if (attempt > 100) {
                throw new IllegalStateException("cannot append to the audit log of job " + job
                        + ": its sequence keeps moving");
            }
        }
    }

    private Tail loadTail(String tenant, String jobId) {
        Set<String> sources = new HashSet<>();
        Head head = null;
        for (ObjectSummary o : entries(tenant, jobId)) {
            byte[] bytes = store.getBytes(o.key());
            ArchivedEvent e = parse(o.key(), bytes);
            sources.add(e.source());
            if (head == null || e.seq() > head.seq()) {
                head = new Head(e.seq(), Sha256.hex(bytes));
            }
        }
        return new Tail(head, sources);
    }

    private List<ObjectSummary> entries(String tenant, String jobId) {
        String head = prefix(tenant, jobId) + HEAD;
        return store.list(prefix(tenant, jobId)).stream().filter(o -> !o.key().equals(head)).toList();
    }

    /** The tenant whose archive holds this job, if any. */
    public Optional<String> tenantOf(String jobId) {
        String segment = "/" + ArtifactKeys.segment("job id", jobId) + "/";
        return store.list(ROOT).stream().map(ObjectSummary::key).filter(k -> k.contains(segment))
                .map(k -> k.substring(ROOT.length(), k.indexOf('/', ROOT.length()))).findFirst();
    }

    /** Reads a job's chain and checks every link, naming each event that was changed or removed. */
    public Verified read(String tenant, String jobId) {
        Map<Long, byte[]> raw = new HashMap<>();
        Map<Long, ArchivedEvent> bySeq = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (ObjectSummary o : entries(tenant, jobId)) {
            byte[] bytes = store.getBytes(o.key());
            ArchivedEvent e;
            try {
                e = parse(o.key(), bytes);
            } catch (UncheckedIOException ex) {
                problems.add(o.key() + " is not an archived event any more (changed): " + ex.getMessage());
                continue;
            }
            if (!o.key().equals(entryKey(tenant, jobId, e.seq()))) {
                problems.add(o.key() + " claims to be entry #" + e.seq() + " (" + describe(e) + "): changed");
            }
            raw.put(e.seq(), bytes);
            bySeq.put(e.seq(), e);
        }
        Optional<Head> head = readHead(tenant, jobId, problems);
        long last = Math.max(head.map(Head::seq).orElse(-1L),
                bySeq.keySet().stream().mapToLong(Long::longValue).max().orElse(-1L));
        List<ArchivedEvent> events = new ArrayList<>();
        String prevSha = GENESIS;
        ArchivedEvent prev = null;
        for (long seq = 0; seq <= last; seq++) {
            ArchivedEvent e = bySeq.get(seq);
            if (e == null) {
                problems.add("entry #" + seq + " is missing (the event after "
                        + (prev == null ? "the start of the log" : "#" + prev.seq() + " " + describe(prev)) + ")");
                prevSha = null;
                prev = null;
                continue;
            }
            if (prevSha != null && !prevSha.equals(e.prevSha256())) {
                problems.add("entry #" + (seq - 1) + " " + (prev == null ? "" : describe(prev) + " ")
                        + "was changed: it hashes to " + prevSha + " but entry #" + seq + " (" + describe(e)
                        + ") was chained to " + e.prevSha256());
            }
            prevSha = Sha256.hex(raw.get(seq));
            prev = e;
            events.add(e);
        }
        if (head.isPresent() && prev != null && prev.seq() == head.get().seq() && !head.get().sha256().equals(prevSha)) {
            problems.add("entry #" + prev.seq() + " " + describe(prev) + " was changed: it hashes to " + prevSha
                    + " but the head recorded " + head.get().sha256());
        }
        return new Verified(tenant, jobId, events, problems, head.map(Head::sha256).orElse(null));
    }

    private Optional<Head> readHead(String tenant, String jobId, List<String> problems) {
        String key = prefix(tenant, jobId) + HEAD;
        if (!store.exists(key)) {
            problems.add("the head of the log (" + key + ") is missing");
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(store.getBytes(key), Head.class));
        } catch (IOException e) {
            problems.add("the head of the log (" + key + ") is not valid: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static String describe(ArchivedEvent e) {
        return e.type() + " " + e.eventId();
    }

    private static ArchivedEvent parse(String key, byte[] bytes) {
        try {
            return JSON.readValue(bytes, ArchivedEvent.class);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.cdiff.platform.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the topic-definition file (deploy/topics.properties; one topic per line:
 * {@code <name> <partitions> [key=value,key=value]}, '#' comments) and creates missing topics.
 * The same file drives deploy/topics.sh for docker-compose; a copy ships in this jar as {@code cdiff/topics.properties}.
 */
public final class TopicDefinitions {

    public static final String RESOURCE = "/cdiff/topics.properties";

    /** How long created topics may take to reach the broker's metadata before the start fails. */
    static final Duration VISIBLE_TIMEOUT = Duration.ofSeconds(60);

    private TopicDefinitions() {
    }

    public static List<TopicDefinition> parse(Reader reader, String source) {
        List<TopicDefinition> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        try (BufferedReader in = new BufferedReader(reader)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] fields = trimmed.split("\\s+");
                if (fields.length < 2 || fields.length > 3) {
                    throw new IllegalArgumentException(source + ":" + lineNo
                            + ": expected '<name> <partitions> [key=value,...]', got '" + trimmed + "'");
                }
                int partitions;
                try {
                    partitions = Integer.parseInt(fields[1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(source + ":" + lineNo + ": partitions of " + fields[0]
                            + " must be an integer, got '" + fields[1] + "'");
                }
                Map<String, String> configs = new LinkedHashMap<>();
                if (fields.length == 3) {
                    for (String kv : fields[2].split(",")) {
                        int eq = kv.indexOf('=');
                        if (eq <= 0 || eq == kv.length() - 1) {
                            throw new IllegalArgumentException(source + ":" + lineNo + ": topic config of " + fields[0]
                                    + " must be key=value, got '" + kv + "'");
                        }
                        configs.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
                if (!seen.add(fields[0])) {
                    throw new IllegalArgumentException(source + ":" + lineNo + ": topic " + fields[0] + " defined twice");
                }
                out.add(new TopicDefinition(fields[0], partitions, configs));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read topic definitions from " + source, e);
        }
        return out;
    }

    public static List<TopicDefinition> load(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read topic definitions " + file, e);
        }
    }

    /** The definitions shipped in this jar (a copy of deploy/topics.properties). */
    public static List<TopicDefinition> loadDefault() {
        InputStream in = TopicDefinitions.class.getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IllegalStateException("classpath resource " + RESOURCE + " is missing from cdiff-platform");
        }
        return parse(new InputStreamReader(in, StandardCharsets.UTF_8), "classpath:" + RESOURCE);
    }

    /**
     * Creates every defined topic that does not exist yet (names get the prefix); existing topics are left as
     * they are. Returns the names created, once every defined topic can be described with a leader for each
     * partition: the controller acknowledges a creation before the broker's metadata cache holds it, and a caller
     * that describes or consumes at once would otherwise meet UnknownTopicOrPartition.
     */
    public static List<String> ensureTopics(Admin admin, List<TopicDefinition> definitions, String prefix,
                                            short replicationFactor) {
        try {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (TopicDefinition d : definitions) {
                String name = prefix + d.name();
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, d.partitions(), replicationFactor).configs(d.configs()));
                }
            }
            List<String> created = new ArrayList<>();
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e
                    : admin.createTopics(missing).values().entrySet()) {
                try {
                    e.getValue().get(60, TimeUnit.SECONDS);
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                    }
                }
            }
            // a topic another process created a moment ago (TopicExists here) may be just as new
            awaitLeaders(admin, definitions.stream().map(d -> prefix + d.name()).toList(), VISIBLE_TIMEOUT);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics: " + e, e);
        }
    }

    /** Describes the topics until every partition has a leader; retries only while the broker does not know them. */
    static void awaitLeaders(Admin admin, List<String> topics, Duration timeout)
            throws InterruptedException, TimeoutException {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration pause = Duration.ofMillis(20);
        String last = "";
        while (true) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                List<String> leaderless = described.values().stream()
                        .filter(t -> t.partitions().stream().anyMatch(p -> p.leader() == null || p.leader().isEmpty()))
                        .map(TopicDescription::name).toList();
                if (leaderless.isEmpty()) {
                    return;
                }
                last = "partitions without a leader in " + leaderless;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe created topics " + topics + ": " + e.getCause(),
                            e.getCause());
                }
                last = String.valueOf(e.getCause().getMessage());
            }
            if (System.nanoTime() + pause.toNanos() > deadline) {
                throw new TimeoutException("created topics " + topics + " not usable after " + timeout.toSeconds()
                        + " s: " + last);
            }
            Thread.sleep(pause.toMillis());
            pause = Duration.ofMillis(Math.min(500, pause.toMillis() * 2));
        }
    }
}

package dev.cdiff.orchestrator;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.faults.ProcessExit;
import dev.cdiff.platform.health.DependencyChecks;
import dev.cdiff.platform.health.HealthCheck;
import dev.cdiff.platform.kafka.TopicDefinition;
import dev.cdiff.platform.kafka.TopicDefinitions;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The orchestrator process: the job topology on Kafka Streams (exactly_once_v2) plus the HTTP status endpoint.
 * Usable in-process: {@link #start(OrchestratorConfig)} returns a running service, {@link #close()} stops it.
 */
public final class OrchestratorService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorService.class);

    private final OrchestratorConfig config;
    private final KafkaStreams streams;
    /** Kafka Streams' own meters (records lag, process rate per thread and task) in the process's /metrics. */
    private volatile io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics streamsMetrics;
    private final JobStatusHttpServer http;
    private final AutoCloseable ownedSerdes;
    private final Admin healthAdmin;
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean closing;

    private OrchestratorService(OrchestratorConfig config, KafkaStreams streams, JobStatusHttpServer http,
                                AutoCloseable ownedSerdes, Admin healthAdmin) {
        this.config = config;
        this.streams = streams;
        this.http = http;
        this.ownedSerdes = ownedSerdes;
        this.healthAdmin = healthAdmin;
    }

    /** Starts with registry-backed serdes from the service config's SCHEMA_REGISTRY_URL. */
    public static OrchestratorService start(OrchestratorConfig config) {
        RegistryEventSerdes serdes = new RegistryEventSerdes(
                SchemaRegistryClient.fromConfig(config.service(), Duration.ofSeconds(30)),
                config.autoRegisterSchemas());
        try {
            return start(config, serdes, Clock.systemUTC(), serdes);
        } catch (RuntimeException e) {
            serdes.close();
            throw e;
        }
    }

    /**
     * @param ownedSerdes closed with the service (null when the caller owns the serdes' resources)
     */
    public static OrchestratorService start(OrchestratorConfig config, EventSerdes serdes, Clock clock,
                                            AutoCloseable ownedSerdes) {
        return start(config, serdes, clock, ownedSerdes, ProcessExit.runtime());
    }

    /** @param exit what a {@link java.lang.Error} in a stream thread does to the process (tests record it) */
    public static OrchestratorService start(OrchestratorConfig config, EventSerdes serdes, Clock clock,
                                            AutoCloseable ownedSerdes, ProcessExit exit) {
        ServiceConfig service = config.service();
        String topicPrefix = service.topicPrefix();
        KafkaClients clients = new KafkaClients(service);
        try (Admin admin = clients.admin()) {
            if (config.createTopics()) {
                ensureTopics(admin, topicPrefix);
            }
            checkCopartitioned(admin, topicPrefix, service.deadLetterTopic());
        }
        JobStatusHttpServer http;
        try {
            Files.createDirectories(config.stateDir());
            http = new JobStatusHttpServer(config.httpHost(), config.httpPort(), config.httpToken());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare orchestrator (state dir " + config.stateDir()
                    + ", http " + config.httpHost() + ":" + config.httpPort() + ")", e);
        }
        try {
            HostInfo self = HostInfo.buildFromEndpoint(config.advertisedHost() != null ? config.advertisedHost()
                    : config.httpHost() + ":" + http.address().getPort());
            Properties props = streamsProperties(config, self, serdes);
            KafkaStreams streams = new KafkaStreams(
                    new JobTopology(serdes, config.settings(), config.lifecycle(), config.quotas(), clock,
                            topicPrefix).build(), props);
            StreamFailurePolicy policy = new StreamFailurePolicy(service.retryBackoff(), service.retryBackoffMax(), exit);
            streams.setUncaughtExceptionHandler(policy);
            streams.setStateListener((now, before) -> {
                LOG.info("orchestrator streams {} -> {}", before, now);
                if (now == KafkaStreams.State.RUNNING) {
                    policy.recovered();
                }
            });
            Admin healthAdmin = clients.admin();
            OrchestratorService orchestrator = new OrchestratorService(config, streams, http, ownedSerdes, healthAdmin);
            http.healthChecks(Map.of("stream-threads", () -> streamsLive(streams)),
                    Map.of("streams-running", () -> streams.state() == KafkaStreams.State.RUNNING
                                    ? HealthCheck.Result.ok("RUNNING") : HealthCheck.Result.down(streams.state().name()),
                            "broker", DependencyChecks.broker(healthAdmin),
                            "schema-registry", DependencyChecks.registry(service.schemaRegistryUrl())));
            orchestrator.streamsMetrics = new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(streams,
                    io.micrometer.core.instrument.Tags.of("service", "orchestrator"));
            orchestrator.streamsMetrics.bindTo(dev.cdiff.platform.metrics.ServiceMetrics.registry());
            streams.start();
            http.start(new JobDirectory(streams, self));
            LOG.info("orchestrator {} started: http://{}:{} state {}", config.applicationId(), self.host(), self.port(),
                    config.stateDir());
            return orchestrator;
        } catch (RuntimeException e) {
            http.close();
            throw e;
        }
    }

    /** Live while the client is not failed or shut down and at least one stream thread runs. */
    static HealthCheck.Result streamsLive(KafkaStreams streams) {
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                || state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.PENDING_SHUTDOWN) {
            return HealthCheck.Result.down("streams " + state);
        }
        if (state == KafkaStreams.State.CREATED) {
            return HealthCheck.Result.ok("streams starting");
        }
        int threads = streams.metadataForLocalThreads().size();
        return threads > 0 ? HealthCheck.Result.ok("streams " + state + ", " + threads + " thread(s)")
                : HealthCheck.Result.down("streams " + state + " without a stream thread");
    }

    static Properties streamsProperties(OrchestratorConfig config, HostInfo self, EventSerdes serdes) {
        Properties props = new Properties();
        props.putAll(dev.cdiff.platform.kafka.KafkaClients.security(config.service()));
        props.putAll(config.service().kafkaClientOverrides());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.service().kafkaBootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        // an undecodable record goes to the dead-letter topic (which ends its job) instead of stopping every job
        // behind it; one undecodable because the registry is down fails the thread and is decoded again later
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class.getName());
        props.put(DeadLetteringDeserializationHandler.SERIALIZER, serdes.forType(DeadLetter.class).serializer());
        props.put(DeadLetteringDeserializationHandler.TOPIC, config.service().deadLetterTopic());
        props.put(DeadLetteringDeserializationHandler.SERVICE, config.applicationId());
        return props;
    }

    /**
     * Creates the topics the topology reads or writes that do not exist yet, with the partitions and settings of
     * the platform's topic definitions (never broker defaults: 1 partition, default retention).
     */
    static void ensureTopics(Admin admin, String topicPrefix) {
        Set<String> wanted = new LinkedHashSet<>();
        JobTopology.CONSUMED.forEach(type -> wanted.add(Topics.of(type)));
        JobTopology.EMITTED.forEach(type -> wanted.add(Topics.of(type)));
        wanted.add(Topics.TRAINING_SCHEDULE);
        List<TopicDefinition> definitions = TopicDefinitions.loadDefault().stream()
                .filter(d -> wanted.contains(d.name())).toList();
        Set<String> defined = new LinkedHashSet<>();
        definitions.forEach(d -> defined.add(d.name()));
        if (!defined.containsAll(wanted)) {
            Set<String> missing = new LinkedHashSet<>(wanted);
            missing.removeAll(defined);
            throw new IllegalStateException("no topic definition for " + missing + " in " + TopicDefinitions.RESOURCE);
        }
        List<String> created = TopicDefinitions.ensureTopics(admin, definitions, topicPrefix, (short) 1);
        if (!created.isEmpty()) {
            LOG.info("created topics {}", created);
        }
    }

    /**
     * The topology meets a job's events in one task only if every input topic has the same partition count. A
     * dead-letter topic with fewer partitions (made before it became keyed by job) is grown to match; any other
     * mismatch stops the start, naming the topics, rather than orchestrating jobs from half their events.
     */
    static void checkCopartitioned(Admin admin, String topicPrefix, String deadLetterTopic) {
        List<String> inputs = new ArrayList<>();
        JobTopology.CONSUMED.forEach(type -> inputs.add(type == DeadLetter.class ? deadLetterTopic
                : topicPrefix + Topics.of(type)));
        Map<String, Integer> partitions = new java.util.TreeMap<>();
        try {
            admin.describeTopics(inputs).allTopicNames().get(60, TimeUnit.SECONDS)
                    .forEach((name, d) -> partitions.put(name, d.partitions().size()));
            int events = partitions.entrySet().stream().filter(e -> !e.getKey().equals(deadLetterTopic))
                    .mapToInt(Map.Entry::getValue).max().orElse(1);
            Integer letters = partitions.get(deadLetterTopic);
            if (letters != null && letters < events) {
                LOG.warn("growing {} from {} to {} partitions to match the event topics", deadLetterTopic, letters, events);
                admin.createPartitions(Map.of(deadLetterTopic, NewPartitions.increaseTo(events)))
                        .all().get(60, TimeUnit.SECONDS);
                partitions.put(deadLetterTopic, events);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the orchestrator's input topics " + inputs
                    + " (do they exist? the topics step creates them): " + e.getMessage(), e);
        }
        if (new java.util.HashSet<>(partitions.values()).size() > 1) {
            throw new IllegalStateException("the orchestrator's input topics must have the same partition count "
                    + "(a job's events are joined by key): " + partitions);
        }
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Base URL of the status endpoint, e.g. http://127.0.0.1:8086. */
    public String httpUrl() {
        return "http://" + config.httpHost() + ":" + http.address().getPort();
    }

    public int httpPort() {
        return http.address().getPort();
    }

    /** Waits until the streams are RUNNING; false on timeout or when they failed. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.RUNNING) {
                return true;
            }
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
                    || state == KafkaStreams.State.PENDING_ERROR) {
                return false;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Blocks until {@link #close()} has run (for main). */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        try {
            http.close();
            // leave the group explicitly: with the classic protocol a dynamic member would otherwise stay until the
            // session timeout and a restarted orchestrator waits that long in REBALANCING
            streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                    org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
            healthAdmin.close(Duration.ofSeconds(5));
            if (streamsMetrics != null) {
                streamsMetrics.close();
            }
            if (ownedSerdes != null) {
                ownedSerdes.close();
            }
        } catch (Exception e) {
            LOG.warn("orchestrator did not close cleanly", e);
        } finally {
            closed.countDown();
        }
    }

    /** Settings from the environment (over CDIFF_CONFIG) or from the properties file given as the only argument. */
    public static void main(String[] args) throws InterruptedException {
        ServiceConfig service = (args.length > 0 ? ServiceConfig.fromFile(Path.of(args[0])) : ServiceConfig.fromEnvironment())
                .checkSecrets();
        OrchestratorService orchestrator = start(OrchestratorConfig.from(service));
        Runtime.getRuntime().addShutdownHook(new Thread(orchestrator::close, "orchestrator-shutdown"));
        orchestrator.awaitClosed();
    }
}

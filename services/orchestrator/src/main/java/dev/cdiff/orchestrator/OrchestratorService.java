package dev.cdiff.orchestrator;

import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
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
import java.util.Optional;
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
    private final JobStatusHttpServer http;
    private final AutoCloseable ownedSerdes;
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean closing;

    private OrchestratorService(OrchestratorConfig config, KafkaStreams streams, JobStatusHttpServer http,
                                AutoCloseable ownedSerdes) {
        this.config = config;
        this.streams = streams;
        this.http = http;
        this.ownedSerdes = ownedSerdes;
    }

    /** Starts with registry-backed serdes from the service config's SCHEMA_REGISTRY_URL. */
    public static OrchestratorService start(OrchestratorConfig config) {
        RegistryEventSerdes serdes = new RegistryEventSerdes(
                new SchemaRegistryClient(config.service().schemaRegistryUrl(), Duration.ofSeconds(30)),
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
        ServiceConfig service = config.service();
        String topicPrefix = service.topicPrefix();
        if (config.createTopics()) {
            ensureTopics(new KafkaClients(service), topicPrefix);
        }
        JobStatusHttpServer http;
        try {
            Files.createDirectories(config.stateDir());
            http = new JobStatusHttpServer(config.httpHost(), config.httpPort());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare orchestrator (state dir " + config.stateDir()
                    + ", http " + config.httpHost() + ":" + config.httpPort() + ")", e);
        }
        try {
            HostInfo self = HostInfo.buildFromEndpoint(config.advertisedHost() != null ? config.advertisedHost()
                    : config.httpHost() + ":" + http.address().getPort());
            Properties props = streamsProperties(config, self);
            KafkaStreams streams = new KafkaStreams(
                    new JobTopology(serdes, config.settings(), clock, topicPrefix).build(), props);
            streams.setUncaughtExceptionHandler(e -> {
                LOG.error("orchestrator stream thread failed; shutting the orchestrator's streams down", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.setStateListener((now, before) -> LOG.info("orchestrator streams {} -> {}", before, now));
            OrchestratorService orchestrator = new OrchestratorService(config, streams, http, ownedSerdes);
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

    static Properties streamsProperties(OrchestratorConfig config, HostInfo self) {
        Properties props = new Properties();
        props.putAll(config.service().kafkaClientOverrides());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.service().kafkaBootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        // an undecodable record is logged and skipped rather than stopping every job behind it
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
        return props;
    }

    /** Creates the topics the topology reads or writes that do not exist yet (broker-default partitions). */
    static void ensureTopics(KafkaClients clients, String topicPrefix) {
        Set<String> wanted = new LinkedHashSet<>();
        JobTopology.CONSUMED.forEach(type -> wanted.add(topicPrefix + dev.cdiff.platform.Topics.of(type)));
        JobTopology.EMITTED.forEach(type -> wanted.add(topicPrefix + dev.cdiff.platform.Topics.of(type)));
        try (Admin admin = clients.admin()) {
            wanted.removeAll(admin.listTopics().names().get(30, TimeUnit.SECONDS));
            if (wanted.isEmpty()) {
                return;
            }
            List<NewTopic> topics = new ArrayList<>();
            wanted.forEach(name -> topics.add(new NewTopic(name, Optional.empty(), Optional.empty())));
            admin.createTopics(topics).values().forEach((name, future) -> {
                try {
                    future.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
                    }
                } catch (InterruptedException | TimeoutException e) {
                    throw new IllegalStateException("creating topic " + name + " did not finish", e);
                }
            });
            LOG.info("created topics {}", wanted);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list topics on " + clients.config().kafkaBootstrapServers(), e);
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
        ServiceConfig service = args.length > 0 ? ServiceConfig.fromFile(Path.of(args[0])) : ServiceConfig.fromEnvironment();
        OrchestratorService orchestrator = start(OrchestratorConfig.from(service));
        Runtime.getRuntime().addShutdownHook(new Thread(orchestrator::close, "orchestrator-shutdown"));
        orchestrator.awaitClosed();
    }
}

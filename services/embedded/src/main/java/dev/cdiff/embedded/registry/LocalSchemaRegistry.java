package dev.cdiff.embedded.registry;

import dev.cdiff.platform.Topics;
import io.javalin.Javalin;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * A Confluent-compatible Schema Registry (REST API v1, Avro) on 127.0.0.1, storing everything in the compacted
 * {@code _schemas} topic as Confluent does, so it restarts with the same ids and any Confluent client can use it.
 * BACKWARD compatibility by default, overridable per subject. Served by Javalin like the services' own endpoints, so
 * request size and idle timeouts are the framework's settings.
 *
 * <pre>{@code
 * try (LocalSchemaRegistry registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), 0)) {
 *     SerdeSettings serdes = SerdeSettings.of(registry.url());
 * }
 * }</pre>
 */
public final class LocalSchemaRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);

    /** A schema larger than this could not be stored anyway: it must fit one record of the {@code _schemas} log. */
    static final long MAX_REQUEST_BYTES = 1024 * 1024;
    static final long IDLE_TIMEOUT_MILLIS = 30_000;

    private final RegistryLog log;
    private final Javalin server;

    private LocalSchemaRegistry(RegistryLog log, Javalin server) {
        this.log = log;
        this.server = server;
    }

    /**
     * Starts a registry whose log is the {@code _schemas} topic of that cluster (created compacted if absent);
     * returns once the state is rebuilt from the topic and the HTTP port is open.
     *
     * @param port HTTP port on 127.0.0.1, 0 for an ephemeral one (see {@link #url()})
     */
    public static LocalSchemaRegistry start(String bootstrapServers, int port) {
        return start(bootstrapServers, port, Topics.SCHEMAS);
    }

    public static LocalSchemaRegistry start(String bootstrapServers, int port, String topic) {
        return start(new KafkaRegistryLog(bootstrapServers, topic), port, null);
    }

    /**
     * A registry on a secured broker whose writes need HTTP Basic credentials.
     *
     * @param kafkaSecurity client settings of the registry's Kafka principal
     * @param writer the one user:password allowed to POST, PUT or DELETE; reads stay open (schemas are not secret,
     *               and every consumer must fetch them by id)
     */
    public static LocalSchemaRegistry start(String bootstrapServers, Map<String, Object> kafkaSecurity, int port,
                                            String topic, BasicCredentials writer) {
        return start(new KafkaRegistryLog(bootstrapServers, kafkaSecurity, topic), port, writer);
    }

    /** A user name and password for HTTP Basic authentication. */
    public record BasicCredentials(String username, String password) {
        public BasicCredentials {
            if (username == null || username.isBlank() || password == null || password.isBlank()) {
                throw new IllegalArgumentException("registry credentials must have a user name and a password");
            }
        }

        String headerValue() {
            return "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (username + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** A registry without a broker, remembering its schemas in {@code log} (reuse it to "restart"). */
    public static LocalSchemaRegistry startInMemory(InMemoryRegistryLog log, int port) {
        return start(log, port, null);
    }

    private static LocalSchemaRegistry start(RegistryLog log, int port, BasicCredentials writer) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("registry port must be 0..65535, got " + port);
        }
        RegistryState state = new RegistryState();
        Javalin server = null;
        try {
            log.start(state::apply);
            RegistryHttpApi api = new RegistryHttpApi(new RegistryService(log, state));
            server = Javalin.create(config -> {
                config.startup.showJavalinBanner = false;
                config.http.prefer405over404 = true;
                config.http.maxRequestSize = MAX_REQUEST_BYTES;
                config.jetty.threadPool = threads();
                config.jetty.modifyHttpConfiguration(http -> {
                    http.setSendServerVersion(false);
                    http.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
                });
                // tests stop and restart the registry on the same port: close at once, as the JDK server's stop(0)
                config.jetty.modifyServer(s -> s.setStopTimeout(0));
                if (writer != null) {
                    config.routes.before(new WriterAuthentication(writer.headerValue()));
                }
                api.routes(config.routes);
            });
            server.start("127.0.0.1", port);
            LocalSchemaRegistry registry = new LocalSchemaRegistry(log, server);
            LOG.info("local schema registry at {} on {}", registry.url(), log.describe());
            return registry;
        } catch (RuntimeException e) {
            if (server != null) {
                server.stop();
            }
            log.close();
            throw e;
        }
    }

    /** A few daemon threads: dev/test infrastructure must never keep a finishing JVM alive. */
    private static QueuedThreadPool threads() {
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("local-schema-registry-http");
        pool.setDaemon(true);
        return pool;
    }

    /** Base URL, e.g. {@code http://127.0.0.1:43211}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
        log.close();
    }
}

package dev.cdiff.embedded.registry;

import com.sun.net.httpserver.HttpServer;
import dev.cdiff.platform.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Confluent-compatible Schema Registry (REST API v1, Avro) on 127.0.0.1, storing everything in the compacted
 * {@code _schemas} topic as Confluent does, so it restarts with the same ids and any Confluent client can use it.
 * BACKWARD compatibility by default, overridable per subject.
 *
 * <pre>{@code
 * try (LocalSchemaRegistry registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), 0)) {
 *     SerdeSettings serdes = SerdeSettings.of(registry.url());
 * }
 * }</pre>
 */
public final class LocalSchemaRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);

    private final RegistryLog log;
    private final HttpServer server;
    private final ExecutorService workers;

    private LocalSchemaRegistry(RegistryLog log, HttpServer server, ExecutorService workers) {
        this.log = log;
        this.server = server;
        this.workers = workers;
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
        HttpServer server = null;
        ExecutorService workers = null;
        try {
            log.start(state::apply);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            AtomicInteger n = new AtomicInteger();
            workers = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "local-schema-registry-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(workers);
            RegistryHttpApi api = new RegistryHttpApi(new RegistryService(log, state));
            server.createContext("/", writer == null ? api : new WriterAuthentication(api, writer.headerValue()));
            server.start();
            LocalSchemaRegistry registry = new LocalSchemaRegistry(log, server, workers);
            LOG.info("local schema registry at {} on {}", registry.url(), log.describe());
            return registry;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.stop(0);
            }
            if (workers != null) {
                workers.shutdownNow();
            }
            log.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot open registry HTTP port " + port + " on 127.0.0.1", io);
            }
            throw (RuntimeException) e;
        }
    }

    /** Base URL, e.g. {@code http://127.0.0.1:43211}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
        log.close();
    }
}

package dev.cdiff.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A single-node Kafka (KRaft: broker and controller in one process) bound to 127.0.0.1, keeping
 * its data and cluster id under a workspace folder so that a restart sees the same topics and offsets.
 *
 * <p>Layout under the workspace: {@code cluster.id}, {@code server.properties} (as last started, owner-only since it
 * holds the admin password when secured), {@code data/}.
 *
 * <p>{@link #withSasl(String)} closes the broker: clients must authenticate with SCRAM-SHA-256 on the advertised
 * listener, and KRaft's StandardAuthorizer denies every operation no ACL allows ({@code User:admin} is the only super
 * user). The broker's own connections (inter-broker, controller) use SASL/PLAIN with the admin password on listeners
 * of their own: SCRAM credentials live in the cluster metadata, which the controller listener must be up to serve,
 * and a PLAINTEXT controller listener would make its anonymous principal a super user. Without {@code withSasl} the
 * broker is an open PLAINTEXT one, for tests of the broker itself.
 */
public final class EmbeddedKafka implements AutoCloseable {

    static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;

    private final Path workspace;
    private final int requestedBrokerPort;
    private final Map<String, String> overrides;
    private final String adminPassword;
    private KafkaRaftServer server;
    private int brokerPort;
    private int internalPort;

    /**
     * @param workspace folder that holds this broker's data (created if absent)
     * @param brokerPort port for clients, or 0 to pick a free one at each start
     * @param overrides broker settings applied last (e.g. {@code auto.create.topics.enable=false})
     */
    public EmbeddedKafka(Path workspace, int brokerPort, Map<String, String> overrides) {
        this(workspace, brokerPort, overrides, null);
    }

    private EmbeddedKafka(Path workspace, int brokerPort, Map<String, String> overrides, String adminPassword) {
        if (brokerPort < 0 || brokerPort > 65535) {
            throw new IllegalArgumentException("brokerPort must be 0..65535, got " + brokerPort);
        }
        this.workspace = workspace.toAbsolutePath();
        this.requestedBrokerPort = brokerPort;
        this.overrides = Map.copyOf(overrides);
        this.adminPassword = adminPassword;
    }

    /** The same broker, closed: SASL on every listener, ACLs enforced, {@link #ADMIN} the super user. */
    public EmbeddedKafka withSasl(String adminPassword) {
        if (adminPassword == null || adminPassword.isBlank()) {
            throw new IllegalArgumentException("the admin password must not be empty");
        }
        return new EmbeddedKafka(workspace, requestedBrokerPort, overrides, adminPassword);
    }

    /** The super user of a secured broker. */
    public static final String ADMIN = "admin";

    public boolean secured() {
        return adminPassword != null;
    }

    /**
     * Admin-client settings of the broker's super user on its internal listener (SASL/PLAIN), for setting up SCRAM
     * users and ACLs before any SCRAM credential exists; plain bootstrap settings when the broker is not secured.
     */
    public synchronized Map<String, Object> superUserClientSettings() {
        Map<String, Object> c = new LinkedHashMap<>();
        if (!secured()) {
            c.put("bootstrap.servers", bootstrapServers());
            return c;
        }
        if (server == null) {
            throw new IllegalStateException("EmbeddedKafka is not running");
        }
        c.put("bootstrap.servers", LOOPBACK + ":" + internalPort);
        c.put("security.protocol", "SASL_PLAINTEXT");
        c.put("sasl.mechanism", "PLAIN");
        c.put("sasl.jaas.config", plainJaas(false));
        return c;
    }

    private String plainJaas(boolean server) {
        String quoted = adminPassword.replace("\\", "\\\\").replace("\"", "\\\"");
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + ADMIN
                + "\" password=\"" + quoted + "\"" + (server ? " user_" + ADMIN + "=\"" + quoted + "\"" : "") + ";";
    }

    public EmbeddedKafka(Path workspace, int brokerPort) {
        this(workspace, brokerPort, Map.of());
    }

    public EmbeddedKafka(Path workspace) {
        this(workspace, 0, Map.of());
    }

    /** Formats the data folder on first use, then starts and waits until the broker accepts clients. */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            throw new IllegalStateException("EmbeddedKafka already started on " + bootstrapServers());
        }
        // Free ports are probed before Kafka binds them; another process may take one in between, so retry.
        int tries = requestedBrokerPort == 0 ? 3 : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce();
            } catch (RuntimeException e) {
                if (attempt >= tries || !causedByBindFailure(e)) {
                    throw e;
                }
            }
        }
    }

    private EmbeddedKafka startOnce() {
        try {
            Files.createDirectories(dataDir());
            String clusterId = clusterId();
            int[] ports = LoopbackPorts.distinct(3, requestedBrokerPort);
            brokerPort = requestedBrokerPort != 0 ? requestedBrokerPort : ports[2];
            int controllerPort = ports[0];
            internalPort = secured() ? ports[1] : 0;
            Map<String, String> settings = settings(brokerPort, controllerPort);
            Path propertiesFile = workspace.resolve("server.properties");
            writeProperties(settings, propertiesFile);
            format(clusterId, propertiesFile);
            KafkaRaftServer started = new KafkaRaftServer(new KafkaConfig(settings), Time.SYSTEM);
            try {
                started.startup();
            } catch (RuntimeException e) {
                started.shutdown();
                started.awaitShutdown();
                throw e;
            }
            server = started;
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka workspace " + workspace, e);
        }
    }

    private static boolean causedByBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.BindException) {
                return true;
            }
        }
        return false;
    }

    /** Stops the broker and waits for it; data stays for the next {@link #start()}. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** {@code 127.0.0.1:<port>} of the running broker. */
    public synchronized String bootstrapServers() {
        if (server == null) {
            throw new IllegalStateException("EmbeddedKafka is not running");
        }
        return LOOPBACK + ":" + brokerPort;
    }

    public Path workspace() {
        return workspace;
    }

    /** The cluster id kept in the workspace, created on first call. */
    public String clusterId() throws IOException {
        Path file = workspace.resolve("cluster.id");
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (id.isEmpty()) {
                throw new IllegalStateException("empty cluster id file " + file);
            }
            return id;
        }
        Files.createDirectories(workspace);
        String id = Uuid.randomUuid().toString();
        Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
        return id;
    }

    private Path dataDir() {
        return workspace.resolve("data");
    }

    private Map<String, String> settings(int brokerPort, int controllerPort) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("process.roles", "broker,controller");
        s.put("node.id", Integer.toString(NODE_ID));
        s.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        s.put("controller.listener.names", "CONTROLLER");
        if (secured()) {
            s.put("listeners", "CLIENT://" + LOOPBACK + ":" + brokerPort + ",INTERNAL://" + LOOPBACK + ":" + internalPort
                    + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
            s.put("advertised.listeners", "CLIENT://" + LOOPBACK + ":" + brokerPort + ",INTERNAL://" + LOOPBACK + ":"
                    + internalPort);
            s.put("inter.broker.listener.name", "INTERNAL");
            s.put("listener.security.protocol.map",
                    "CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
            s.put("sasl.enabled.mechanisms", "PLAIN");
            s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
            s.put("sasl.mechanism.controller.protocol", "PLAIN");
            s.put("listener.name.client.sasl.enabled.mechanisms", "SCRAM-SHA-256");
            s.put("listener.name.client.scram-sha-256.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            s.put("listener.name.internal.sasl.enabled.mechanisms", "PLAIN");
            s.put("listener.name.internal.plain.sasl.jaas.config", plainJaas(true));
            s.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
            s.put("listener.name.controller.plain.sasl.jaas.config", plainJaas(true));
            s.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            s.put("super.users", "User:" + ADMIN);
            s.put("allow.everyone.if.no.acl.found", "false");
        } else {
            s.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + brokerPort + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
            s.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + brokerPort);
            s.put("inter.broker.listener.name", "PLAINTEXT");
            s.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        }
        s.put("log.dirs", dataDir().toString());
        // One node: every internal topic must live with a single replica or its coordinator never starts.
        s.put("offsets.topic.replication.factor", "1");
        s.put("offsets.topic.num.partitions", "5");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("transaction.state.log.num.partitions", "5");
        s.put("share.coordinator.state.topic.replication.factor", "1");
        s.put("share.coordinator.state.topic.min.isr", "1");
        s.put("default.replication.factor", "1");
        s.put("min.insync.replicas", "1");
        s.put("num.partitions", "1");
        // a closed broker creates a topic only when asked by someone allowed to
        s.put("auto.create.topics.enable", Boolean.toString(!secured()));
        // Tests and the local stack want consumer groups to form at once, not after 3 s.
        s.put("group.initial.rebalance.delay.ms", "0");
        // The default 128 MiB cleaner buffer dominates the heap of a laptop-sized broker.
        s.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        s.put("log.cleaner.threads", "1");
        s.put("num.network.threads", "2");
        s.put("num.io.threads", "2");
        s.put("background.threads", "2");
        s.putAll(overrides);
        return s;
    }

    private static void writeProperties(Map<String, String> settings, Path file) throws IOException {
        Properties properties = new Properties();
        properties.putAll(settings);
        Files.deleteIfExists(file);
        OwnerOnlyFiles.create(file);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(out, "written by EmbeddedKafka at each start");
        }
    }

    private static void format(String clusterId, Path propertiesFile) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            rc = kafka.tools.StorageTool.execute(
                    new String[] {"format", "-t", clusterId, "-c", propertiesFile.toString(), "--ignore-formatted"}, out);
        }
        if (rc != 0) {
            throw new IllegalStateException("formatting Kafka storage failed (rc=" + rc + "): "
                    + captured.toString(StandardCharsets.UTF_8));
        }
    }
}

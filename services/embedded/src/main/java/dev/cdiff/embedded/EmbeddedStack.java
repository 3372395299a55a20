package dev.cdiff.embedded;

import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaAccess;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.kafka.TopicDefinition;
import dev.cdiff.platform.kafka.TopicDefinitions;
import dev.cdiff.platform.store.ArtifactStore;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The whole local infrastructure in one process and one workspace folder: a KRaft broker ({@code kafka/}),
 * an S3 endpoint ({@code s3/}) and the Confluent-compatible schema registry (stored in the {@code _schemas}
 * topic). Creates every topic from the topic-definition file and the artifact bucket, and writes the
 * settings services need to {@code stack.env}. Everything listens on 127.0.0.1 only.
 *
 * <p>The stack is closed: the broker takes SASL/SCRAM clients only and enforces {@link KafkaAccess}'s ACLs, the
 * registry takes writes from the services only, and S3 has its own secret. The passwords are made at random for the
 * workspace ({@link StackCredentials}, {@code credentials.properties}, mode 0600); {@link #serviceConfig(String)}
 * hands a platform principal its own, and {@code stack.env} holds none.
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

    /** How to start the stack; ports 0 mean "pick a free one". */
    public record Options(Path workspace, int kafkaPort, int s3Port, int registryPort, String bucket,
                          String topicPrefix, boolean withRegistry, Path topicsFile, Set<StackComponent> components) {

        public Options {
            components = components.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(components));
        }

        /** Ephemeral ports, bucket {@code cdiff}, no prefix, registry on, the shipped topic definitions. */
        public static Options defaults(Path workspace) {
            return new Options(workspace, 0, 0, 0, "cdiff", "", true, null, EnumSet.allOf(StackComponent.class));
        }

        public Options withPorts(int kafka, int s3, int registry) {
            return new Options(workspace, kafka, s3, registry, bucket, topicPrefix, withRegistry, topicsFile,
                    components);
        }

        public Options withTopicPrefix(String prefix) {
            return new Options(workspace, kafkaPort, s3Port, registryPort, bucket, prefix, withRegistry, topicsFile,
                    components);
        }

        public Options withoutRegistry() {
            return new Options(workspace, kafkaPort, s3Port, registryPort, bucket, topicPrefix, false, topicsFile,
                    components);
        }

        public Options withTopicsFile(Path file) {
            return new Options(workspace, kafkaPort, s3Port, registryPort, bucket, topicPrefix, withRegistry, file,
                    components);
        }

        /**
         * Only some components in this process, so that each can stop and start alone (a fault-injection run); the
         * others are expected on 127.0.0.1 at the fixed ports given here, which must then not be 0.
         */
        public Options withComponents(Set<StackComponent> only) {
            if (only.isEmpty()) {
                throw new IllegalArgumentException("at least one stack component must run");
            }
            if (!only.containsAll(EnumSet.allOf(StackComponent.class))
                    && (kafkaPort == 0 || s3Port == 0 || registryPort == 0)) {
                throw new IllegalArgumentException("a stack split over processes needs fixed ports (--kafka-port,"
                        + " --s3-port, --registry-port), so its parts find each other");
            }
            return new Options(workspace, kafkaPort, s3Port, registryPort, bucket, topicPrefix, withRegistry,
                    topicsFile, only);
        }

        boolean runs(StackComponent component) {
            return components.contains(component)
                    && (component != StackComponent.REGISTRY || withRegistry);
        }
    }

    private final Options options;
    private final EmbeddedKafka kafka;
    private final EmbeddedS3 s3;
    private final StackCredentials credentials;
    private LocalSchemaRegistry registry;
    private List<String> createdTopics = List.of();
    private Duration startupTime = Duration.ZERO;

    private EmbeddedStack(Options options) {
        this.options = options;
        Path ws = options.workspace().toAbsolutePath();
        this.credentials = StackCredentials.loadOrCreate(ws);
        this.kafka = new EmbeddedKafka(ws.resolve("kafka"), options.kafkaPort())
                .withSasl(credentials.kafkaPassword(KafkaAccess.ADMIN));
        this.s3 = new EmbeddedS3(ws.resolve("s3"), options.s3Port(), EmbeddedS3.DEFAULT_ACCESS_KEY,
                credentials.s3SecretKey());
    }

    public static EmbeddedStack start(Path workspace) {
        return start(Options.defaults(workspace));
    }

    public static EmbeddedStack start(Options options) {
        EmbeddedStack stack = new EmbeddedStack(options);
        try {
            stack.startAll();
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() {
        long t0 = System.nanoTime();
        if (options.runs(StackComponent.KAFKA)) {
            kafka.start();
            BrokerSecurity.apply(kafka, credentials, options.topicPrefix());
        }
        long tKafka = System.nanoTime();
        if (options.runs(StackComponent.S3)) {
            s3.start();
        }
        long tS3 = System.nanoTime();
        if (options.runs(StackComponent.KAFKA)) {
            List<TopicDefinition> definitions = options.topicsFile() == null
                    ? TopicDefinitions.loadDefault() : TopicDefinitions.load(options.topicsFile());
            try (Admin admin = new KafkaClients(adminConfig()).admin()) {
                createdTopics = TopicDefinitions.ensureTopics(admin, definitions, options.topicPrefix(), (short) 1);
            }
        }
        if (options.runs(StackComponent.S3)) {
            ArtifactStore.fromConfig(adminConfig()).ensureBucket();
        }
        long tTopics = System.nanoTime();
        if (options.runs(StackComponent.REGISTRY)) {
            // The registry's storage topic follows the same prefix as every other topic.
            registry = LocalSchemaRegistry.start(bootstrapServers(),
                    KafkaClients.security(withPrincipal(ServiceConfig.of(sharedEnvironment()), KafkaAccess.REGISTRY)),
                    options.registryPort(), options.topicPrefix() + Topics.SCHEMAS,
                    new LocalSchemaRegistry.BasicCredentials(StackCredentials.REGISTRY_WRITER,
                            credentials.registryPassword()));
        }
        long tEnd = System.nanoTime();
        startupTime = Duration.ofNanos(tEnd - t0);
        if (options.components().containsAll(EnumSet.allOf(StackComponent.class))) {
            writeEnvFile();
        }
        LOG.info("embedded stack up in {} ms (kafka {} ms, s3 {} ms, topics+bucket {} ms, registry {} ms); {} topics created",
                ms(tEnd - t0), ms(tKafka - t0), ms(tS3 - tKafka), ms(tTopics - tS3), ms(tEnd - tTopics),
                createdTopics.size());
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /**
     * Settings for services, keyed as {@link ServiceConfig} reads them (no SERVICE_NAME), with the credentials of
     * the command line ({@link KafkaAccess#CLI}); {@link #serviceConfig} gives a service its own.
     */
    public Map<String, String> environment() {
        Map<String, String> env = sharedEnvironment();
        env.put(ServiceConfig.KAFKA_USERNAME, KafkaAccess.CLI);
        env.put(ServiceConfig.KAFKA_PASSWORD, credentials.kafkaPassword(KafkaAccess.CLI));
        env.put(ServiceConfig.SCHEMA_REGISTRY_USERNAME, StackCredentials.REGISTRY_WRITER);
        env.put(ServiceConfig.SCHEMA_REGISTRY_PASSWORD, credentials.registryPassword());
        return env;
    }

    /** Where everything is, and no Kafka or registry password: what {@code stack.env} holds. */
    private Map<String, String> sharedEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, bootstrapServers());
        if (registry != null) {
            env.put(ServiceConfig.SCHEMA_REGISTRY_URL, registry.url());
        } else if (!options.runs(StackComponent.REGISTRY) && options.withRegistry()) {
            env.put(ServiceConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + options.registryPort());
        }
        env.put(ServiceConfig.S3_ENDPOINT, s3Endpoint());
        env.put(ServiceConfig.S3_ACCESS_KEY, s3.accessKey());
        env.put(ServiceConfig.S3_SECRET_KEY, s3.secretKey());
        env.put(ServiceConfig.S3_BUCKET, options.bucket());
        env.put(ServiceConfig.TOPIC_PREFIX, options.topicPrefix());
        return env;
    }

    /**
     * A service's config against this stack, authenticated as the platform principal of the same name (e.g.
     * {@code training}); a name with no principal is refused rather than given someone else's rights.
     */
    public ServiceConfig serviceConfig(String serviceName) {
        Map<String, String> env = environment();
        env.put(ServiceConfig.SERVICE_NAME, serviceName);
        return withPrincipal(ServiceConfig.of(env), serviceName);
    }

    /** The super user's config: topic and bucket set-up, operators' tools. */
    public ServiceConfig adminConfig() {
        Map<String, String> env = environment();
        env.put(ServiceConfig.SERVICE_NAME, "cdiff-admin");
        return withPrincipal(ServiceConfig.of(env), KafkaAccess.ADMIN);
    }

    private ServiceConfig withPrincipal(ServiceConfig config, String principal) {
        if (!credentials.hasKafkaPrincipal(principal)) {
            throw new IllegalArgumentException("no Kafka principal '" + principal + "'; known: "
                    + KafkaAccess.principals());
        }
        return config.with(ServiceConfig.KAFKA_USERNAME, principal)
                .with(ServiceConfig.KAFKA_PASSWORD, credentials.kafkaPassword(principal));
    }

    /** The workspace's passwords. */
    public StackCredentials credentials() {
        return credentials;
    }

    /**
     * Binds an external trigger system to tenants: its own SCRAM user (password returned), and the right to write
     * only those tenants' trigger topics, which this creates.
     */
    public String bindTrigger(String system, List<String> tenants) {
        String password = StackCredentials.randomSecret();
        BrokerSecurity.bindTrigger(kafka, system, password, tenants, options.topicPrefix());
        return password;
    }

    /** {@code <workspace>/stack.env}: KEY=VALUE lines, readable by a shell and by {@link ServiceConfig#fromFile}. */
    public Path envFile() {
        return options.workspace().toAbsolutePath().resolve("stack.env");
    }

    private void writeEnvFile() {
        StringBuilder out = new StringBuilder("# written by EmbeddedStack; valid while it runs. Passwords are in "
                + StackCredentials.FILE + " (KAFKA_USERNAME/KAFKA_PASSWORD of a principal, SCHEMA_REGISTRY_*)\n");
        sharedEnvironment().forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        try {
            Files.writeString(envFile(), out.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + envFile(), e);
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedS3 s3() {
        return s3;
    }

    /** The registry, or null when started {@link Options#withoutRegistry()}. */
    public LocalSchemaRegistry registry() {
        return registry;
    }

    /** The broker of this process, or the one at the fixed port when another process runs it. */
    public String bootstrapServers() {
        return options.runs(StackComponent.KAFKA) ? kafka.bootstrapServers() : "127.0.0.1:" + options.kafkaPort();
    }

    public String s3Endpoint() {
        return options.runs(StackComponent.S3) ? s3.endpoint() : "http://127.0.0.1:" + options.s3Port();
    }

    public String schemaRegistryUrl() {
        if (registry == null) {
            throw new IllegalStateException("the embedded stack was started without a schema registry");
        }
        return registry.url();
    }

    /** Topics this start created (empty when the workspace already had them all). */
    public List<String> createdTopics() {
        return createdTopics;
    }

    public Duration startupTime() {
        return startupTime;
    }

    /** Stops registry, S3 and broker, in that order; data stays in the workspace. */
    @Override
    public void close() {
        RuntimeException first = null;
        if (registry != null) {
            try {
                registry.close();
            } catch (RuntimeException e) {
                first = e;
            }
            registry = null;
        }
        try {
            s3.stop();
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        try {
            kafka.stop();
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Runs the stack until the JVM is stopped: {@code [workspace] [--kafka-port N] [--s3-port N]
     * [--registry-port N] [--topic-prefix P] [--only kafka,s3,registry]}; with {@code --only} a subset runs here and
     * the rest is expected at the given ports (each part its own process, so each can go down alone). Defaults: workspace {@code .cdiff-local}, ports 9092, 9000, 8081.
     * The command-line entry point is {@link EmbeddedStackMain}, which sets up logging first.
     */
    static void runUntilStopped(String[] args) throws InterruptedException {
        Path workspace = Path.of(".cdiff-local");
        int kafkaPort = 9092;
        int s3Port = 9000;
        int registryPort = 8081;
        String prefix = "";
        Set<StackComponent> only = EnumSet.allOf(StackComponent.class);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--only" -> only = StackComponent.parse(stringArg(args, ++i, "--only"));
                case "--kafka-port" -> kafkaPort = intArg(args, ++i, "--kafka-port");
                case "--s3-port" -> s3Port = intArg(args, ++i, "--s3-port");
                case "--registry-port" -> registryPort = intArg(args, ++i, "--registry-port");
                case "--topic-prefix" -> prefix = stringArg(args, ++i, "--topic-prefix");
                default -> {
                    if (args[i].startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + args[i]
                                + " (known: --kafka-port, --s3-port, --registry-port, --topic-prefix, --only)");
                    }
                    workspace = Path.of(args[i]);
                }
            }
        }
        EmbeddedStack stack = start(Options.defaults(workspace).withPorts(kafkaPort, s3Port, registryPort)
                .withTopicPrefix(prefix).withComponents(only));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "embedded-stack-shutdown"));
        if (stack.options.runs(StackComponent.KAFKA)) {
            System.out.println("Kafka            " + stack.bootstrapServers());
        }
        if (stack.registry() != null) {
            System.out.println("Schema registry  " + stack.schemaRegistryUrl());
        }
        if (stack.options.runs(StackComponent.S3)) {
            System.out.println("S3               " + stack.s3Endpoint() + "  (bucket " + stack.options.bucket()
                    + ", access key " + stack.s3().accessKey() + ")");
        }
        if (stack.options.components().containsAll(EnumSet.allOf(StackComponent.class))) {
            System.out.println("Settings         " + stack.envFile());
        }
        System.out.println("Started in " + stack.startupTime().toMillis() + " ms; Ctrl-C stops.");
        stopped.await();
    }

    private static int intArg(String[] args, int i, String option) {
        String v = stringArg(args, i, option);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a port number, got '" + v + "'");
        }
    }

    private static String stringArg(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}

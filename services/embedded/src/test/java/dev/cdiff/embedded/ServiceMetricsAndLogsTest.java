package dev.cdiff.embedded;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.EventLoop;
import dev.cdiff.platform.kafka.EventPublisher;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.kafka.ServiceConnections;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.serde.ConfluentAvroSerializer;
import dev.cdiff.schemas.events.JobFailed;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A service wired the standard way ({@link ServiceConnections}) on the real stack: after events, one of them
 * poison, flow through the broker, its {@code /metrics} scraped over HTTP shows them counted per topic, and the
 * lines it logged while handling an event carry that event's tenant, job and event id as JSON fields.
 */
class ServiceMetricsAndLogsTest {
    private static final Logger HANDLER_LOG = LoggerFactory.getLogger("metrics-test-handler");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workspace;
    static EmbeddedKafka kafka;
    static EmbeddedS3 s3;
    static LocalSchemaRegistry registry;

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafka(workspace.resolve("kafka")).start();
        s3 = new EmbeddedS3(workspace.resolve("s3")).start();
        registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), 0);
    }

    @AfterAll
    static void stop() {
        registry.close();
        s3.close();
        kafka.close();
    }

    static ServiceConfig config(String service) {
        Map<String, String> m = new HashMap<>();
        m.put(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        m.put(ServiceConfig.SCHEMA_REGISTRY_URL, registry.url());
        m.put(ServiceConfig.S3_ENDPOINT, s3.endpoint());
        m.put(ServiceConfig.S3_ACCESS_KEY, s3.accessKey());
        m.put(ServiceConfig.S3_SECRET_KEY, s3.secretKey());
        m.put(ServiceConfig.SERVICE_NAME, service);
        m.put(ServiceConfig.TOPIC_PREFIX, "mx.");
        m.put(ServiceConfig.DEAD_LETTER_TOPIC, "dlq");
        m.put(ServiceConfig.POLL_TIMEOUT_MS, "100");
        m.put(ServiceConfig.HEALTH_HTTP_HOST, "127.0.0.1");
        m.put(ServiceConfig.HEALTH_HTTP_PORT, "0");
        return ServiceConfig.of(m);
    }

    static JobFailed event(String id) {
        return JobFailed.newBuilder().setEventId(id).setTenantId("acme").setJobId("job-" + id)
                .setOccurredAt(Instant.parse("2026-03-01T12:00:00Z")).setStage("training").setReason("test")
                .setErrorClass("x").build();
    }

    @Test
    void metricsCountWhatFlowedAndLogLinesCarryTheEventsIds() throws Exception {
        try (Admin admin = new KafkaClients(config("admin")).admin()) {
            // one partition: the poison record is handled after the good ones, so a leftover MDC would show on it
            admin.createTopics(List.of(new NewTopic("mx.in", 1, (short) 1), new NewTopic("mx.dlq", 1, (short) 1),
                    new NewTopic("mx." + Topics.JOB_FAILED, 1, (short) 1))).all().get();
        }
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> jsonLines = jsonAppender(logged);
        List<String> handled = new CopyOnWriteArrayList<>();
        try (ServiceConnections connections = ServiceConnections.open(config("mx-svc"), "mx-svc")) {
            EventLoop<JobFailed> loop = connections.eventLoop(JobFailed.class, "in")
                    .handler(e -> {
                        HANDLER_LOG.info("handling event of stage {}", e.value().getStage());
                        connections.publisher().publish(e.value().getJobId().toString(), JobFailed.newBuilder(e.value())
                                .setEventId(EventPublisher.derivedEventId(e.eventId(), "echo")).build());
                        handled.add(e.eventId());
                    })
                    .build().start();
            try (loop;
                 KafkaProducer<String, JobFailed> producer = new KafkaClients(config("producer"))
                         .producer(new StringSerializer(), new ConfluentAvroSerializer<>(
                                 new SchemaRegistryClient(registry.url()), true));
                 KafkaProducer<String, byte[]> raw = new KafkaClients(config("raw"))
                         .producer(new StringSerializer(), new ByteArraySerializer())) {
                for (String id : List.of("a0", "a1", "a2")) {
                    producer.send(new ProducerRecord<>("mx.in", "job-" + id, event(id))).get();
                }
                raw.send(new ProducerRecord<>("mx.in", "job-p", "not avro".getBytes(StandardCharsets.UTF_8))).get();
                waitFor("3 handled and 1 dead-lettered",
                        () -> handled.size() == 3 && loop.stats().deadLettered() == 1);

                String base = "http://127.0.0.1:" + connections.health().port();
                HttpResponse<String> scrape = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(base + "/metrics")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, scrape.statusCode());
                assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
                List<Sample> samples = parse(scrape.body());
                Map<String, String> in = Map.of("service", "mx-svc", "topic", "mx.in");
                assertEquals(4.0, value(samples, "cdiff_events_consumed_total", in), "every record sent is counted");
                assertEquals(1.0, value(samples, "cdiff_events_dead_lettered_total", in));
                assertEquals(4.0, value(samples, "cdiff_events_processing_seconds_count",
                        Map.of("service", "mx-svc", "topic", "mx.in", "outcome", "stored")));
                assertEquals(3.0, value(samples, "cdiff_events_produced_total",
                        Map.of("service", "mx-svc", "topic", "mx." + Topics.JOB_FAILED)));
                Double lag = value(samples, "cdiff_consumer_lag",
                        Map.of("service", "mx-svc", "topic", "mx.in", "partition", "0"));
                assertNotNull(lag, "lag of the assigned partition is exported");
                assertTrue(lag >= 0 && lag <= 4, "lag " + lag);
                assertTrue(samples.stream().anyMatch(s -> s.name.startsWith("jvm_memory_used")), "JVM meters too");
            }
        } finally {
            ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME)
                    .detachAppender(jsonLines);
            jsonLines.stop();
        }

        List<JsonNode> lines = new ArrayList<>();
        for (String line : logged.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        JsonNode handling = lines.stream().filter(l -> l.path("message").asText().startsWith("handling event")
                && l.path("mdc").path("eventId").asText().equals("a1")).findFirst().orElseThrow();
        assertEquals("acme", handling.path("mdc").path("tenantId").asText());
        assertEquals("job-a1", handling.path("mdc").path("jobId").asText());
        assertEquals("metrics-test-handler", handling.path("loggerName").asText());
        JsonNode deadLetter = lines.stream().filter(l -> l.path("message").asText().contains("dead-lettered"))
                .findFirst().orElseThrow();
        assertFalse(deadLetter.path("mdc").has("eventId"),
                "the undecodable record has no ids, and the previous event's are gone: " + deadLetter);
    }

    /** Logback's own JSON encoder on the root logger, the encoder the service images log with. */
    private static OutputStreamAppender<ILoggingEvent> jsonAppender(ByteArrayOutputStream sink) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(sink);
        appender.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
        return appender;
    }

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line.strip());
            assertTrue(m.matches(), "not a Prometheus sample line: " + line);
            Map<String, String> labels = new HashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return out;
    }

    private static Double value(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet()))
                .map(Sample::value).findFirst().orElse(null);
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}

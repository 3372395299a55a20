package dev.cdiff.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.embedded.EmbeddedKafka;
import dev.cdiff.embedded.registry.LocalSchemaRegistry;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.Topics;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.RegularizationRequested;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The orchestrator against a real in-process KRaft broker: EOS streams come up, answer over HTTP, and act. */
class OrchestratorServiceEmbeddedKafkaTest {
    @TempDir
    static Path workspace;
    static EmbeddedKafka kafka;
    static LocalSchemaRegistry registry;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static int registryPort;

    @BeforeAll
    static void startBroker() throws IOException {
        kafka = new EmbeddedKafka(workspace.resolve("kafka")).start();
        registryPort = dev.cdiff.embedded.LoopbackPorts.one();
        registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), registryPort);
    }

    @AfterAll
    static void stopBroker() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }


    static OrchestratorConfig config(String instance) {
        return config(instance, "orchestrator-it");
    }

    static OrchestratorConfig config(String instance, String applicationId) {
        return OrchestratorConfig.from(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SCHEMA_REGISTRY_URL", registry.url(),
                "WORK_DIR", workspace.resolve(instance).toString(),
                "RETRY_BACKOFF_MS", "200",
                "RETRY_BACKOFF_MAX_MS", "1000",
                "orchestrator.http.port", "0",
                "orchestrator.application.id", applicationId));
    }

    @Test
    void runsWithExactlyOnceAnswersOverHttpAndRequestsRegularization() throws Exception {
        // the producer and reader of this test use their own registry client, as other services would
        RegistryEventSerdes serdes = new RegistryEventSerdes(new SchemaRegistryClient(registry.url()), true);
        try (serdes; OrchestratorService orchestrator = OrchestratorService.start(config("one"))) {
            assertTrue(orchestrator.awaitRunning(Duration.ofSeconds(90)), "streams state " + orchestrator.state());
            String base = orchestrator.httpUrl();

            HttpResponse<String> health = get(base + "/health");
            assertEquals(200, health.statusCode());
            assertEquals("RUNNING", json(health).path("streams").asText());
            assertEquals(200, get(base + "/health/live").statusCode());
            HttpResponse<String> ready = get(base + "/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("UP", json(ready).path("checks").path("schema-registry").path("status").asText());
            assertEquals(404, get(base + "/jobs/no-such-job").statusCode());
            assertEquals(400, get(base + "/jobs").statusCode());
            assertEquals(404, get(base + "/nothing-here").statusCode());
            HttpResponse<String> metrics = get(base + "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("kafka_stream_"), "Kafka Streams' meters are scraped");
            assertTrue(metrics.body().contains("jvm_memory_used_bytes"));
            assertEquals(405, HTTP.send(HttpRequest.newBuilder(URI.create(base + "/jobs/x"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());

            TestEvents job = new TestEvents("acme", "job-it-1");
            ConceptSubmitted submitted = job.submitted("ev-it-submit", List.of(), null);
            try (KafkaProducer<String, ConceptSubmitted> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    new StringSerializer(), serdes.forType(ConceptSubmitted.class).serializer())) {
                producer.send(new ProducerRecord<>(Topics.CONCEPT_SUBMITTED, job.jobId, submitted)).get();
            }

            List<RegularizationRequested> requests = consume(serdes, Duration.ofSeconds(60));
            assertEquals(1, requests.size());
            assertEquals("ev-it-submit", requests.get(0).getCausationId());
            assertEquals("photo of a dog", requests.get(0).getClassPrompt());

            JsonNode status = awaitJob(base, job.jobId, Duration.ofSeconds(30));
            assertEquals("REGULARIZING", status.path("stage").asText());
            assertEquals("acme", status.path("tenantId").asText());
            assertEquals(requests.get(0).getEventId(), status.path("regularization").path("requestEventId").asText());

            JsonNode tenantJobs = json(get(base + "/jobs?tenant=acme"));
            assertEquals(1, tenantJobs.path("jobs").size());
            assertEquals(job.jobId, tenantJobs.path("jobs").get(0).path("jobId").asText());
            assertEquals(0, json(get(base + "/jobs?tenant=someone-else")).path("jobs").size());

            // a second instance of the same application: the one-partition job store lives on one of the two,
            // and asking the other one is answered through the owner
            try (OrchestratorService second = OrchestratorService.start(config("two"))) {
                assertTrue(second.awaitRunning(Duration.ofSeconds(90)), "second instance state " + second.state());
                awaitBothRunning(orchestrator, second);
                List<HttpResponse<String>> answers = List.of(
                        awaitAnswer(orchestrator.httpUrl() + "/jobs/" + job.jobId),
                        awaitAnswer(second.httpUrl() + "/jobs/" + job.jobId));
                for (HttpResponse<String> answer : answers) {
                    assertEquals(200, answer.statusCode(), answer.body());
                    assertEquals(job.jobId, json(answer).path("jobId").asText());
                }
                long forwarded = answers.stream()
                        .filter(a -> a.headers().firstValue(JobStatusHttpServer.SERVED_BY).isPresent()).count();
                assertEquals(1, forwarded, "exactly one instance should have forwarded to the owner");
                for (OrchestratorService instance : List.of(orchestrator, second)) {
                    JsonNode listing = json(awaitAnswer(instance.httpUrl() + "/jobs?tenant=acme"));
                    assertEquals(1, listing.path("jobs").size(), listing.toString());
                }
            }
        }
    }

    /**
     * The orchestrator never drops a record: one it cannot decode while the registry answers goes to the
     * dead-letter topic and ends its job; one it cannot decode because the registry is down is left uncommitted
     * (the stream thread is replaced after a backoff) and processed once the registry is back.
     */
    @Test
    void undecodableRecordsAreDeadLetteredAndARegistryOutageLosesNothing() throws Exception {
        SchemaRegistryClient producerClient = new SchemaRegistryClient(registry.url());
        RegistryEventSerdes serdes = new RegistryEventSerdes(producerClient, true);
        String base;
        try (serdes; OrchestratorService orchestrator = OrchestratorService.start(config("faults", "orchestrator-faults"));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                     new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            assertTrue(orchestrator.awaitRunning(Duration.ofSeconds(90)), "streams state " + orchestrator.state());
            base = orchestrator.httpUrl();
            TestEvents poisoned = new TestEvents("acme", "job-poisoned");
            producer.send(new ProducerRecord<>(Topics.CONCEPT_SUBMITTED, poisoned.jobId, serdes.forType(ConceptSubmitted.class)
                    .serializer().serialize(Topics.CONCEPT_SUBMITTED, poisoned.submitted("ev-poisoned", List.of(), null)))).get();
            assertEquals("REGULARIZING", awaitStage(base, poisoned.jobId, "REGULARIZING").path("stage").asText());

            byte[] garbage = {0, 0, 0, 0x7f, 0x7d, 1, 2, 3};
            producer.send(new ProducerRecord<>(Topics.REGULARIZATION_READY, poisoned.jobId, garbage)).get();
            JsonNode failed = awaitStage(base, poisoned.jobId, "FAILED");
            assertEquals("regularizing", failed.path("error").path("stage").asText());
            assertTrue(failed.path("error").path("reason").asText().contains(Topics.REGULARIZATION_READY),
                    failed.toString());

            // a type the orchestrator has never decoded, so it needs the registry; the producer registers first
            TestEvents merge = new TestEvents("acme", "job-during-outage");
            byte[] mergeBytes = serdes.forType(dev.cdiff.schemas.events.MergeRequested.class).serializer()
                    .serialize(Topics.MERGE_REQUESTED, merge.mergeRequested("ev-merge-outage"));
            registry.close();
            try {
                producer.send(new ProducerRecord<>(Topics.MERGE_REQUESTED, merge.jobId, mergeBytes)).get();
                Thread.sleep(5000);
                // 404 (not there yet) or 503 (the stream thread is being replaced): never a job built from nothing
                int status = get(base + "/jobs/" + merge.jobId).statusCode();
                assertTrue(status == 404 || status == 503, "status " + status);
                assertEquals(503, get(base + "/health/ready").statusCode(), "not ready without its registry");
            } finally {
                registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), registryPort);
            }
            JsonNode merging = awaitStage(base, merge.jobId, "MERGING");
            assertEquals("acme", merging.path("tenantId").asText());
        }
        List<ConsumerRecord<String, byte[]>> letters = readAll(Topics.DEAD_LETTER);
        assertEquals(1, letters.size(), "only the poison record was dead-lettered");
        assertEquals("job-poisoned", letters.get(0).key());
    }

    private static JsonNode awaitStage(String base, String jobId, String stage) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(base + "/jobs/" + jobId);
            if (r.statusCode() == 200) {
                last = json(r);
                if (stage.equals(last.path("stage").asText())) {
                    return last;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + jobId + " never reached " + stage + ": " + last);
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(300)).forEach(out::add);
            }
        }
        return out;
    }

    private static void awaitBothRunning(OrchestratorService a, OrchestratorService b) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("instances did not settle: " + a.state() + ", " + b.state());
    }

    /** The status answer once the instance is past any rebalance (503 while the store moves). */
    private static HttpResponse<String> awaitAnswer(String url) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> last = get(url);
        while (last.statusCode() == 503 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            last = get(url);
        }
        return last;
    }

    private static List<RegularizationRequested> consume(EventSerdes serdes, Duration timeout) {
        List<RegularizationRequested> out = new ArrayList<>();
        try (KafkaConsumer<String, RegularizationRequested> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), serdes.forType(RegularizationRequested.class).deserializer())) {
            consumer.subscribe(List.of(Topics.REGULARIZATION_REQUESTED));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, RegularizationRequested> record : consumer.poll(Duration.ofMillis(500))) {
                    out.add(record.value());
                }
            }
            // anything emitted twice would arrive within a further short poll
            consumer.poll(Duration.ofSeconds(2)).forEach(r -> out.add(r.value()));
        }
        return out;
    }

    private static JsonNode awaitJob(String base, String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get(base + "/jobs/" + jobId);
            if (last.statusCode() == 200) {
                return json(last);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + jobId + " never became visible: " + (last == null ? "no answer" : last.body()));
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JobStatusSerde.MAPPER.readTree(response.body());
    }
}

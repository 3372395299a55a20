package dev.cdiff.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.kafka.KafkaAccess;
import dev.cdiff.gateway.keys.ApiKeyStore;
import dev.cdiff.orchestrator.OrchestratorConfig;
import dev.cdiff.orchestrator.OrchestratorService;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.platform.store.StoredArtifact;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.MergeCompleted;
import dev.cdiff.schemas.events.MergeRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The real thing on loopback for the attack tests: embedded broker, S3 and registry, the orchestrator (with its
 * service token) and the gateway, with tenants {@code alpha} and {@code beta} and a key each. Also what an attack
 * test needs to prove "no side effect": a snapshot of every stored object and every topic's end offsets.
 */
final class GatewayAttackStack implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ORCHESTRATOR_TOKEN = "test-service-token-0123456789abcdef";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final LoopbackStack stack;
    final OrchestratorService orchestrator;
    final GatewayService gateway;
    final ArtifactStore store;
    final ApiKeyStore keys;
    final String alphaKey;
    final String betaKey;
    final String base;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final KafkaConsumer<byte[], byte[]> offsets;

    GatewayAttackStack(Path workspace, Map<String, String> gatewayOverrides) throws Exception {
        stack = new LoopbackStack(workspace);
        Map<String, String> o = stack.settings("orchestrator");
        o.put(ServiceConfig.WORK_DIR, workspace.resolve("orchestrator").toString());
        o.put("orchestrator.http.port", "0");
        o.put("orchestrator.http.token", ORCHESTRATOR_TOKEN);
        orchestrator = OrchestratorService.start(OrchestratorConfig.from(o));
        if (!orchestrator.awaitRunning(Duration.ofSeconds(90))) {
            throw new IllegalStateException("orchestrator did not start: " + orchestrator.state());
        }
        keys = new ApiKeyStore(workspace.resolve("gateway").resolve("keys.json"));
        keys.addTenant("alpha");
        keys.addTenant("beta");
        alphaKey = keys.createKey("alpha").secretText();
        betaKey = keys.createKey("beta").secretText();
        Map<String, String> g = stack.settings("gateway");
        g.put(GatewaySettings.HTTP_PORT, "0");
        g.put(GatewaySettings.KEYS_FILE, keys.file().toString());
        g.put(GatewaySettings.ORCHESTRATOR_URL, orchestrator.httpUrl());
        g.put(GatewaySettings.ORCHESTRATOR_TOKEN, ORCHESTRATOR_TOKEN);
        g.putAll(gatewayOverrides);
        gateway = new GatewayService(ServiceConfig.of(g)).start();
        base = gateway.httpUrl();
        store = ArtifactStore.fromConfig(ServiceConfig.of(g));
        producer = stack.producer();
        // the bus is SASL-secured: the test reads topic contents as the operator (admin) does
        Map<String, Object> c = new HashMap<>(stack.principal(KafkaAccess.ADMIN));
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        offsets = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * A finished merge job of {@code tenant}, made the way the services would report it, whose merged delta really
     * is in S3: a job with a delta another tenant could try to sample, merge or download.
     */
    String finishedMerge(String tenant) throws Exception {
        String jobId = "merge-" + UUID.randomUUID();
        byte[] deltaBytes = ("delta of " + jobId).getBytes(StandardCharsets.UTF_8);
        StoredArtifact merged = store.put(tenant, "deltas", deltaBytes, "safetensors", "application/octet-stream");
        ArtifactRef source = merged.toRef();
        String requestId = UUID.randomUUID().toString();
        send(jobId, MergeRequested.newBuilder().setEventId(requestId).setTenantId(tenant).setJobId(jobId)
                .setOccurredAt(Instant.now()).setDeltas(List.of(source, source)).setRegularizationCaptions(10)
                .setOutputName("m").setClassSetDigests(List.of(classSetOf(tenant))).build());
        StoredArtifact captions = store.put(tenant, "merge-captions", "a dog\n".getBytes(StandardCharsets.UTF_8),
                "txt", "text/plain");
        StoredArtifact diagnostics = store.put(tenant, "merge-diagnostics", ConsoleScenes.MERGE_DIAGNOSTICS.toJson(),
                "json", "application/json");
        send(jobId, MergeCompleted.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId(jobId).setOccurredAt(Instant.now()).setCausationId(requestId).setMerged(merged.toRef())
                .setTokens(List.of("<new1>", "<new2>")).setClassWords(List.of("dog", "cat"))
                .setSourceDigests(List.of(merged.sha256(), merged.sha256())).setDurationMillis(10L)
                .setRegularizationCaptionSet(captions.toRef()).setRegularizationCaptionSource("retrieval-corpus")
                .setRegularizationCaptionCount(1).setDiagnostics(diagnostics.toRef()).build());
        String key = tenant.equals("alpha") ? alphaKey : betaKey;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get("/v1/jobs/" + jobId, key);
            if (r.statusCode() == 200 && "DONE".equals(JSON.readTree(r.body()).path("stage").asText())) {
                return jobId;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("merge " + jobId + " of " + tenant + " did not reach DONE");
    }

    /** Waits until the job's stage matches {@code stages} (a regular expression such as "QUEUED|TRAINING"). */
    void awaitStage(String tenant, String jobId, String stages, Duration timeout) throws Exception {
        String key = tenant.equals("alpha") ? alphaKey : betaKey;
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get("/v1/jobs/" + jobId, key);
            if (r.statusCode() == 200) {
                last = JSON.readTree(r.body()).path("stage").asText();
                if (last.matches(stages)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " of " + tenant + " did not reach " + stages + "; last " + last);
    }

    /** The class set a tenant's finished merges were made from. */
    static String classSetOf(String tenant) {
        return dev.cdiff.platform.store.Sha256.hex(("class set of " + tenant).getBytes(StandardCharsets.UTF_8));
    }

    void send(String jobId, SpecificRecord event) throws Exception {
        producer.send(new ProducerRecord<>(Topics.of(event.getClass()), jobId, event)).get();
    }

    /** Every stored object (key and size) and every event topic's end offsets. */
    record Snapshot(Map<String, Long> objects, Map<String, Long> topicEnds) {
    }

    Snapshot snapshot() {
        Map<String, Long> objects = new TreeMap<>();
        for (ObjectSummary o : store.list("")) {
            objects.put(o.key(), o.sizeBytes());
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : Topics.all().values()) {
            List<PartitionInfo> infos = offsets.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null) {
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
        }
        Map<String, Long> ends = new TreeMap<>();
        // an empty topic and a missing one hold the same: nothing (services create topics as they start)
        offsets.endOffsets(partitions, Duration.ofSeconds(10)).forEach((tp, end) -> {
            if (end > 0) {
                ends.put(tp.toString(), end);
            }
        });
        return new Snapshot(objects, ends);
    }

    /** Fails when anything was stored or published since {@code before}. */
    void assertNoSideEffect(Snapshot before) throws InterruptedException {
        // a wrongly accepted request publishes before it answers; the pause covers a store or publish in flight
        Thread.sleep(300);
        Snapshot after = snapshot();
        assertEquals(before.objects(), after.objects(), "stored objects changed");
        assertEquals(before.topicEnds(), after.topicEnds(), "topic contents changed");
    }

    HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postJson(String path, String key, String json) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A multipart concept upload with {@code images} small PNG-signed files and extra text fields. */
    HttpResponse<String> upload(String key, int images, int imageBytes, Map<String, String> extraFields)
            throws Exception {
        return HTTP.send(uploadRequest(key, images, imageBytes, extraFields).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder uploadRequest(String key, int images, int imageBytes, Map<String, String> extraFields) {
        String boundary = "b-" + UUID.randomUUID();
        StringBuilder head = new StringBuilder();
        Map<String, String> fields = new TreeMap<>(Map.of("conceptName", "rex", "classWord", "dog"));
        fields.putAll(extraFields);
        fields.forEach((name, value) -> head.append("--").append(boundary)
                .append("\r\nContent-Disposition: form-data; name=\"").append(name).append("\"\r\n\r\n")
                .append(value).append("\r\n"));
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < images; i++) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"p" + i
                    + ".png\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            byte[] image = new byte[imageBytes];
            byte[] signature = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
            System.arraycopy(signature, 0, image, 0, Math.min(signature.length, image.length));
            image[image.length - 1] = (byte) i;
            body.writeBytes(image);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + "/v1/concepts"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        return r;
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** An attack's answer: the expected status and a JSON error naming a reason code. */
    static void assertRefused(int status, String reasonCode, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(reasonCode, json(r).path("reasonCode").asText(), r.body());
        org.junit.jupiter.api.Assertions.assertFalse(json(r).path("reason").asText().isBlank(), "says why");
    }

    @Override
    /**
     * Closes every part even when one fails: a gateway whose stop times out on a loaded machine must not leave the
     * broker running on a temporary directory JUnit then deletes (the broker halts the next test's JVM for it).
     */
    public void close() {
        RuntimeException first = null;
        for (Runnable part : List.<Runnable>of(offsets::close, producer::close, gateway::close, orchestrator::close,
                stack::close)) {
            try {
                part.run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}

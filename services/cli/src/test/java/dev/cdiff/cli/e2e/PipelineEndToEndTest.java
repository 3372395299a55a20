package dev.cdiff.cli.e2e;

import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.demo.DemoConcept;
import dev.cdiff.cli.demo.DemoRun;
import dev.cdiff.cli.events.ChainTiming;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.JobFollower;
import dev.cdiff.cli.events.ObservedEvent;
import dev.cdiff.cli.model.DemoBaseModel;
import dev.cdiff.cli.stack.AllInOne;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.cli.stack.StackProfile;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.corpus.SharedCorpus;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.Sha256;
import dev.cdiff.schemas.events.ArtifactRef;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real pipeline in one JVM on the embedded broker, registry and S3, driven like a user: a concept uploaded as
 * multipart through the authenticated public API, then nothing but events until the sampled images are in S3. Checks the chain through the
 * causation links, the artifacts, and that every record on every topic is a registered schema a plain Confluent
 * reader decodes. Then the demo's merge-and-sample walk, and a restart on the same workspace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(6);

    @TempDir
    static Path workspace;

    private AllInOne stack;
    private String conceptJob;

    @BeforeAll
    void startPipeline() {
        stack = AllInOne.start(options());
    }

    private AllInOne.Options options() {
        return AllInOne.Options.defaults(workspace).withSettings(StackProfile.test(DemoBaseModel.imageSize()));
    }

    @AfterAll
    void stopPipeline() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void uploadedConceptTravelsTheWholeChainToImagesInS3() throws Exception {
        assertEquals(EnumSet.allOf(PipelineService.class), EnumSet.copyOf(stack.runningServices()),
                "every service runs");
        Endpoints endpoints = stack.endpoints();
        List<ObservedEvent> chain;
        try (EventWatcher watcher = EventWatcher.start(endpoints, false);
             JobFollower follower = new JobFollower(watcher, false, j -> j)) {
            DemoConcept concept = DemoConcept.CHECKER_CIRCLE;
            GatewayClient.Answer answer = endpoints.gateway().submit(concept.conceptName(), concept.classWord(),
                    concept.initializerWord(), concept.images(), List.of());
            assertEquals(202, answer.status(), answer.describe());
            conceptJob = answer.jobId();
            ObservedEvent done = follower.awaitDone(conceptJob, Set.of("SamplesGenerated"), TIMEOUT);
            assertNotNull(done);
            chain = watcher.eventsOf(conceptJob);
        }

        ObservedEvent requested = only(chain, "IngestionRequested");
        ObservedEvent submitted = answerTo(chain, requested, "ConceptSubmitted");
        assertEquals("local", requested.tenantId(), "the gateway names the key's tenant");
        ObservedEvent regRequested = answerTo(chain, submitted, "RegularizationRequested");
        ObservedEvent regReady = answerTo(chain, regRequested, "RegularizationReady");
        ObservedEvent trainRequested = answerTo(chain, regReady, "TrainingRequested");
        List<ObservedEvent> progress = chain.stream().filter(e -> "TrainingProgress".equals(e.type())).toList();
        ObservedEvent trained = answerTo(chain, trainRequested, "TrainingCompleted");
        ObservedEvent sampleRequested = answerTo(chain, trained, "SampleRequested");
        ObservedEvent generated = answerTo(chain, sampleRequested, "SamplesGenerated");

        assertEquals("local", submitted.tenantId());
        assertEquals(5, ((List<?>) submitted.field("images")).size(), "all five uploaded images were accepted");
        assertEquals(3, progress.size(), "one progress report per step (3 steps, every step)");
        for (ObservedEvent p : progress) {
            assertEquals(trainRequested.eventId(), p.causationId());
            assertEquals(3, p.field("totalSteps"));
            assertTrue(Double.isFinite((Double) p.field("loss")), "finite loss");
        }
        assertEquals(List.of(1, 2, 3), progress.stream().map(p -> p.field("step")).toList());
        assertEquals(3, trained.field("steps"));
        assertEquals(dev.cdiff.cli.model.DemoBaseModel.imageSize(),
                ((GenericRecord) trainRequested.field("options")).get("resolution"), "training at the model's own side");
        assertFalse(((List<?>) regReady.field("images")).isEmpty(), "regularization images were found or made");
        // the stack seeded the toy world's captioned corpus: the class set is real images, none generated
        assertEquals("RETRIEVED", String.valueOf(regReady.field("origin")), "the class set comes from the corpus");
        for (ArtifactRef image : dev.cdiff.cli.events.ArtifactRefs.listFromRecord(regReady.field("images"))) {
            assertTrue(image.getKey().startsWith(SharedCorpus.IMAGES), image.getKey() + " is a corpus image");
        }

        ArtifactStore store = ArtifactStore.fromConfig(endpoints.serviceConfig("e2e-test"));
        ArtifactRef delta = dev.cdiff.cli.events.ArtifactRefs.fromRecord(trained.field("delta"));
        assertTrue(store.stat(delta.getKey()).orElseThrow().sizeBytes() > 0, "the delta is in S3");
        List<ArtifactRef> images = dev.cdiff.cli.events.ArtifactRefs.listFromRecord(generated.field("images"));
        assertEquals(1, images.size(), "one prompt x one image");
        for (ArtifactRef image : images) {
            byte[] png = store.getBytes(image.getKey());
            assertEquals(image.getSha256(), Sha256.hex(png), "stored bytes match the digest the event names");
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
            assertNotNull(decoded, "the sample is a readable image");
            assertEquals(32, decoded.getWidth());
        }
        // hand-offs carried out by the orchestrator (completion -> next request) are quick on the embedded default
        for (ChainTiming.Link l : ChainTiming.handoffs(chain)) {
            assertTrue(l.elapsed().toMillis() < 5000, l.label() + " took " + l.elapsed());
        }

        JsonStatus status = JsonStatus.of(endpoints.gateway(), conceptJob);
        assertEquals("DONE", status.stage());
    }

    @Test
    @Order(2)
    void demoWalkMergesBothConceptsAndSamplesTheMergedModel() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DemoRun.Result r = DemoRun.run(stack.endpoints(), new DemoRun.Options(TIMEOUT, false, 2, 1, 50, 7),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(List.of("<new1>", "<new2>"), r.mergedTokens());
        assertEquals(List.of("photo of a <new1> circle and a <new2> square"), r.mergedPrompts());
        assertEquals(1, r.mergedImages().size());
        ArtifactStore store = ArtifactStore.fromConfig(stack.endpoints().serviceConfig("e2e-test"));
        assertTrue(store.exists(r.mergedDelta().getKey()));
        assertTrue(store.exists(r.mergedImages().get(0).getKey()));
        List<String> types = r.events().stream().filter(e -> e.belongsTo(r.mergeJob())).map(ObservedEvent::type).toList();
        assertEquals(List.of("MergeRequested", "MergeCompleted"), types);
        ObservedEvent mergedSample = r.events().stream().filter(e -> e.belongsTo(r.mergedSampleJob())
                && "SampleRequested".equals(e.type())).findFirst().orElseThrow();
        ObservedEvent mergeCompleted = r.events().stream().filter(e -> "MergeCompleted".equals(e.type()))
                .findFirst().orElseThrow();
        assertEquals(mergeCompleted.eventId(), mergedSample.causationId());
        assertEquals("retrieval-corpus", String.valueOf(mergeCompleted.field("regularizationCaptionSource")),
                "the merge is constrained by the seeded corpus's captions, not the template fallback");
    }

    @Test
    @Order(3)
    void everyRecordOnEveryTopicIsARegisteredSchemaAPlainReaderDecodes() throws Exception {
        Endpoints endpoints = stack.endpoints();
        PlainConfluentReader reader = new PlainConfluentReader(endpoints.schemaRegistryUrl());
        Map<String, Integer> perTopic = new HashMap<>();
        Map<String, Set<Integer>> registered = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = rawConsumer(endpoints)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : Topics.all().values()) {
                for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
                    partitions.add(new TopicPartition(topic, p.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertTrue(System.nanoTime() < deadline, "reading every topic to its end took too long");
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    PlainConfluentReader.Decoded d = reader.decode(r.value());
                    String subject = r.topic() + "-value";
                    Set<Integer> ids = registered.computeIfAbsent(subject, s -> {
                        try {
                            return reader.idsUnder(s);
                        } catch (Exception e) {
                            throw new AssertionError("subject " + s + " cannot be read from the registry", e);
                        }
                    });
                    assertTrue(ids.contains(d.schemaId()), r.topic() + " record at " + r.offset() + " uses schema id "
                            + d.schemaId() + " which is not registered under " + subject + " " + ids);
                    assertNotNull(d.record().get("eventId"), "every event carries an event id");
                    if (!Topics.DEAD_LETTER.equals(r.topic())) {
                        assertEquals(new String(r.key(), StandardCharsets.UTF_8), d.record().get("jobId").toString(),
                                "records are keyed by job id");
                    }
                    perTopic.merge(r.topic(), 1, Integer::sum);
                }
            }
        }
        for (String topic : List.of(Topics.CONCEPT_SUBMITTED, Topics.REGULARIZATION_REQUESTED,
                Topics.REGULARIZATION_READY, Topics.TRAINING_REQUESTED, Topics.TRAINING_PROGRESS,
                Topics.TRAINING_COMPLETED, Topics.SAMPLE_REQUESTED, Topics.SAMPLES_GENERATED, Topics.MERGE_REQUESTED,
                Topics.MERGE_COMPLETED)) {
            assertTrue(perTopic.getOrDefault(topic, 0) > 0, "events were published to " + topic + ": " + perTopic);
        }
        assertNull(perTopic.get(Topics.DEAD_LETTER), "nothing was dead-lettered");
    }

    @Test
    @Order(4)
    void restartOnTheSameWorkspaceKeepsEventsJobsAndTheBaseModel() throws Exception {
        Path marker = DemoBaseModel.folder(workspace).resolve("model_index.json");
        FileTime modelTime = Files.getLastModifiedTime(marker);
        SharedCorpus corpus = new SharedCorpus(ArtifactStore.fromConfig(stack.endpoints().serviceConfig("e2e-test")));
        List<String> seeded = corpus.entryIds();
        assertEquals(200, seeded.size(), "the test profile's toy corpus");
        stack.close();
        stack = null;
        stack = AllInOne.start(options());
        assertEquals(modelTime, Files.getLastModifiedTime(marker), "the base model is made once per workspace");
        assertEquals(seeded, new SharedCorpus(ArtifactStore.fromConfig(stack.endpoints().serviceConfig("e2e-test")))
                .entryIds(), "a corpus already present is left as it is");
        Endpoints endpoints = stack.endpoints();
        try (EventWatcher watcher = EventWatcher.start(endpoints, true)) {
            watcher.awaitCaughtUp(Duration.ofSeconds(60));
            assertTrue(watcher.eventsOf(conceptJob).stream().anyMatch(e -> "SamplesGenerated".equals(e.type())),
                    "the first run's events are still there");
        }
        assertEquals("DONE", JsonStatus.of(endpoints.gateway(), conceptJob).stage(), "the orchestrator's job store survived the restart");
    }

    private static ObservedEvent only(List<ObservedEvent> chain, String type) {
        List<ObservedEvent> found = chain.stream().filter(e -> type.equals(e.type())).toList();
        assertEquals(1, found.size(), "exactly one " + type + " in " + chain.stream().map(ObservedEvent::type).toList());
        return found.get(0);
    }

    private static ObservedEvent answerTo(List<ObservedEvent> chain, ObservedEvent cause, String type) {
        ObservedEvent effect = only(chain, type);
        assertEquals(cause.eventId(), effect.causationId(), type + " answers " + cause.type());
        assertFalse(effect.occurredAt().isBefore(cause.occurredAt()), type + " happened after " + cause.type());
        return effect;
    }

    private static KafkaConsumer<byte[], byte[]> rawConsumer(Endpoints endpoints) {
        // the operator's principal: the bus takes no anonymous reader
        Map<String, Object> c = new HashMap<>(dev.cdiff.platform.kafka.KafkaClients.security(
                endpoints.serviceConfig("e2e-test")));
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrapServers());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The bit of the orchestrator's JobStatus the test reads; waits briefly for the store to catch up. */
    private record JsonStatus(String stage) {
        static JsonStatus of(GatewayClient client, String jobId) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String stage = null;
            while (System.nanoTime() < deadline) {
                try {
                    stage = client.job(jobId).map(j -> j.path("stage").asText()).orElse(null);
                } catch (java.io.IOException e) {
                    stage = null; // 503 while the store is restoring
                }
                if ("DONE".equals(stage)) {
                    break;
                }
                Thread.sleep(200);
            }
            return new JsonStatus(stage);
        }
    }
}

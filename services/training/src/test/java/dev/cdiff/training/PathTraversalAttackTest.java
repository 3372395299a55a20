package dev.cdiff.training;

import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.embedded.testing.AttackProbes;
import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.TrainingFailed;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attacks on the training worker through a plain producer on the real embedded stack. The worker used to make
 * {@code <work>/jobs/<tenant>-<job>} and write checkpoints and deltas there, so a crafted id placed files anywhere
 * the process could write. Each attack is refused with a reason; the canary folder and the stored data stay as
 * they were.
 */
class PathTraversalAttackTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static TrainingService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;
    static Path canary;

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("training");
        settings.put(TrainingSettings.BASE_MODEL_DIR, GoldenFolder.tinySd().toString());
        settings.put(ServiceConfig.WORK_DIR, workspace.resolve("work").toString());
        ServiceConfig config = ServiceConfig.of(settings);
        service = new TrainingService(config).start();
        store = ArtifactStore.fromConfig(config);
        producer = stack.producer();
    }

    @AfterAll
    static void stop() {
        producer.close();
        service.close();
        stack.close();
    }

    @BeforeEach
    void plantCanary() {
        canary = AttackProbes.plantCanary(workspace.resolve("canary"));
    }

    static ArtifactRef image(String tenant) {
        byte[] bytes = ("an image of " + tenant + " " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        return store.put(tenant, "images", bytes, "png", "image/png").toRef();
    }

    static TrainingRequested request(String tenant, String job, List<ArtifactRef> images, List<ArtifactRef> reg) {
        ConceptSpec concept = ConceptSpec.newBuilder().setConceptId("c1").setConceptName("rex")
                .setModifierToken("<new1>").setClassWord("dog").setInitializerWord("ktn").setImages(images)
                .setCaptions(List.of("photo of a <new1> dog")).setRegularizationImages(reg)
                .setRegularizationCaptions(reg.stream().map(r -> "a dog").toList()).build();
        TrainingOptions options = TrainingOptions.newBuilder().setSteps(2).setBatchSize(2).setLearningRate(1e-3)
                .setPriorLossWeight(1.0).setResolution(0).setSeed(7).build();
        return TrainingRequested.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId(job).setOccurredAt(Instant.now()).setBaseModel("tiny-sd")
                .setBaseModelDigest(service.baseModelDigest()).setConcepts(List.of(concept)).setOptions(options)
                .build();
    }

    static DeadLetter deadLettered(TrainingRequested request) {
        return AttackProbes.deadLetterFor(stack, producer, "training", Topics.TRAINING_REQUESTED, request.getJobId(),
                request, WAIT);
    }

    @Test
    void jobIdWalkingOutOfTheScratchAreaIsDeadLettered() {
        List<ArtifactRef> mine = List.of(image("local"));
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        // <work>/jobs/local-/../../../canary was where checkpoints and the delta would have been written
        DeadLetter dead = deadLettered(request("local", "/../../../canary", mine, List.of()));
        assertTrue(dead.getErrorMessage().contains("TrainingRequested.jobId"), dead.getErrorMessage());
        assertEquals(List.of("", "keep.txt"), AttackProbes.contents(canary));
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void tenantIdWalkingOutOfTheScratchAreaIsDeadLettered() {
        List<ArtifactRef> mine = List.of(image("local"));
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        DeadLetter dead = deadLettered(request("../../../canary/x", "job-" + UUID.randomUUID(), mine, List.of()));
        assertTrue(dead.getErrorMessage().contains("TrainingRequested.tenantId"), dead.getErrorMessage());
        assertEquals(List.of("", "keep.txt"), AttackProbes.contents(canary));
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void aSharedKeyClimbingIntoAnotherTenantIsDeadLettered() {
        ArtifactRef theirs = image("other");
        ArtifactRef mine = image("local");
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        ArtifactRef sneaky = ArtifactRef.newBuilder(theirs)
                .setKey("shared/../tenants/other/images/" + theirs.getSha256() + ".png").build();
        DeadLetter dead = deadLettered(request("local", "job-" + UUID.randomUUID(), List.of(mine), List.of(sneaky)));
        assertTrue(dead.getErrorMessage().contains("TrainingRequested.concepts[0].regularizationImages[0].key"),
                dead.getErrorMessage());
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void anotherTenantsImageAsARegularizationImageIsRefused() {
        ArtifactRef theirs = image("other");
        ArtifactRef mine = image("local");
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        TrainingRequested request = request("local", "job-" + UUID.randomUUID(), List.of(mine), List.of(theirs));
        TrainingFailed refused = AttackProbes.answerTo(stack, producer, Topics.TRAINING_REQUESTED, request.getJobId(),
                request, Topics.TRAINING_FAILED, TrainingFailed.class, e -> e.getJobId().equals(request.getJobId()),
                WAIT);
        assertEquals("FOREIGN_ARTIFACT", refused.getErrorClass());
        assertTrue(refused.getReason().contains("regularization image") && refused.getReason().contains("tenant local"),
                refused.getReason());
        assertEquals(before, AttackProbes.tenantData(store), "no checkpoint or delta was stored");
    }
}

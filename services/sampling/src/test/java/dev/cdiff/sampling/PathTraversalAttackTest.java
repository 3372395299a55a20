package dev.cdiff.sampling;

import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.embedded.testing.AttackProbes;
import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.ObjectSummary;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.SampleRequested;
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
 * Attacks on the sampling service through a plain producer on the real embedded stack: ids and digests that would
 * walk out of the scratch area (the handler used to write and delete {@code <work>/sampling/delta-<sha256>}), keys
 * that reach into another tenant. Each is refused with a reason; the canary folder and every stored object stay.
 */
class PathTraversalAttackTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static SamplingService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;
    static Path canary;

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("sampling");
        settings.put(SamplingService.BASE_MODEL_DIR, GoldenFolder.tinySd().toString());
        settings.put(ServiceConfig.WORK_DIR, workspace.resolve("work").toString());
        ServiceConfig config = ServiceConfig.of(settings);
        service = new SamplingService(config).start();
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

    static SampleRequested request(String tenant, String job, ArtifactRef delta) {
        return SampleRequested.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setJobId(job)
                .setOccurredAt(Instant.now()).setDelta(delta).setPrompts(List.of("a dog")).setNegativePrompt("")
                .setSteps(2).setGuidanceScale(3.0).setScheduler("ddim").setSeed(1).setImagesPerPrompt(1).build();
    }

    static ArtifactRef someonesDelta(String tenant) {
        byte[] bytes = ("not really a delta of " + tenant + " " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        return store.put(tenant, "deltas", bytes, "safetensors", "application/vnd.safetensors").toRef();
    }

    static DeadLetter deadLettered(SampleRequested request) {
        return AttackProbes.deadLetterFor(stack, producer, "sampling", Topics.SAMPLE_REQUESTED, request.getJobId(),
                request, WAIT);
    }

    @Test
    void jobIdWalkingOutOfTheScratchAreaIsDeadLettered() {
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        DeadLetter dead = deadLettered(request("local", "../../canary", null));
        assertTrue(dead.getErrorMessage().contains("SampleRequested.jobId"), dead.getErrorMessage());
        assertEquals(List.of("", "keep.txt"), AttackProbes.contents(canary));
        assertEquals(before, AttackProbes.tenantData(store), "no sample was stored for the attacker");
    }

    @Test
    void tenantIdThatIsAPathIsDeadLettered() {
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        DeadLetter dead = deadLettered(request("../canary", "job-" + UUID.randomUUID(), null));
        assertTrue(dead.getErrorMessage().contains("SampleRequested.tenantId"), dead.getErrorMessage());
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void digestThatIsAPathIsDeadLettered() {
        ArtifactRef mine = someonesDelta("local");
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        // delta-<sha256>.safetensors was a file name built from this field
        ArtifactRef crafted = ArtifactRef.newBuilder(mine).setSha256("/../../../canary/keep").build();
        DeadLetter dead = deadLettered(request("local", "job-" + UUID.randomUUID(), crafted));
        assertTrue(dead.getErrorMessage().contains("SampleRequested.delta.sha256"), dead.getErrorMessage());
        assertEquals(List.of("", "keep.txt"), AttackProbes.contents(canary));
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void dotDotKeyIntoAnotherTenantIsDeadLettered() {
        ArtifactRef theirs = someonesDelta("other");
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        ArtifactRef sneaky = ArtifactRef.newBuilder(theirs)
                .setKey("tenants/local/../other/deltas/" + theirs.getSha256() + ".safetensors").build();
        DeadLetter dead = deadLettered(request("local", "job-" + UUID.randomUUID(), sneaky));
        assertTrue(dead.getErrorMessage().contains("SampleRequested.delta.key"), dead.getErrorMessage());
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void anotherTenantsDeltaIsRefusedWithoutBeingRead() {
        ArtifactRef theirs = someonesDelta("other");
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        SampleRequested request = request("local", "job-" + UUID.randomUUID(), theirs);
        JobFailed refused = AttackProbes.answerTo(stack, producer, Topics.SAMPLE_REQUESTED, request.getJobId(),
                request, Topics.JOB_FAILED, JobFailed.class, e -> e.getJobId().equals(request.getJobId()), WAIT);
        assertEquals("FOREIGN_ARTIFACT", refused.getErrorClass());
        assertTrue(refused.getReason().contains("does not belong to tenant local"), refused.getReason());
        assertEquals(before, AttackProbes.tenantData(store));
    }
}

package dev.cdiff.merging;

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
import dev.cdiff.schemas.events.MergeRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attacks on the merging service's scratch area and reads, through a plain producer on the real embedded stack.
 * MergeHandler used to make {@code <work>/merging/<tenant>-<job>} and delete it in finally, so a crafted id deleted a
 * folder outside the scratch area. Each attack must be refused with a reason and leave the canary folder (outside
 * the scratch area) and every stored object exactly as they were.
 */
class PathTraversalAttackTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static MergingService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;
    static Path canary;

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("merging");
        settings.put(MergingService.BASE_MODEL_DIR, GoldenFolder.tinySd().toString());
        settings.put(ServiceConfig.WORK_DIR, workspace.resolve("work").toString());
        ServiceConfig config = ServiceConfig.of(settings);
        service = new MergingService(config).start();
        store = ArtifactStore.fromConfig(config);
        producer = stack.producer();
    }

    @AfterAll
    static void stop() {
        producer.close();
        service.close();
        stack.close();
    }

    static MergeRequested request(String tenant, String job, List<ArtifactRef> deltas) {
        return MergeRequested.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId(job).setOccurredAt(Instant.now()).setDeltas(deltas).setRegularizationCaptions(10)
                .setOutputName("stolen").build();
    }

    /** A folder beside the work dir, where the old code's {@code resolve(tenant + "-" + job)} could be steered. */
    @BeforeEach
    void plantCanary() {
        canary = AttackProbes.plantCanary(workspace.resolve("canary"));
    }

    static DeadLetter deadLettered(MergeRequested request) {
        return AttackProbes.deadLetterFor(stack, producer, "merging", Topics.MERGE_REQUESTED, request.getJobId(),
                request, WAIT);
    }

    static JobFailed failed(MergeRequested request) {
        return AttackProbes.answerTo(stack, producer, Topics.MERGE_REQUESTED, request.getJobId(), request,
                Topics.JOB_FAILED, JobFailed.class, e -> e.getJobId().equals(request.getJobId()), WAIT);
    }

    static ArtifactRef delta(String tenant, int seed) {
        byte[] bytes = ("not really a delta " + seed + " of " + tenant).getBytes(StandardCharsets.UTF_8);
        return store.put(tenant, "deltas", bytes, "safetensors", MergeHandler.DELTA_MEDIA_TYPE).toRef();
    }

    @Test
    void jobIdWalkingOutOfTheScratchAreaIsDeadLetteredAndDeletesNothing() throws Exception {
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        // <work>/merging/a-/../../../canary is the canary folder: the old handler deleted it with its files
        DeadLetter dead = deadLettered(request("a", "/../../../canary", List.of()));
        assertEquals(Topics.MERGE_REQUESTED, dead.getOriginalTopic());
        assertTrue(dead.getErrorMessage().contains("MergeRequested.jobId")
                && dead.getErrorMessage().contains("is not a valid job id"), dead.getErrorMessage());
        assertEquals(List.of("", "keep.txt"), AttackProbes.contents(canary));
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void tenantIdWalkingOutOfTheScratchAreaIsDeadLetteredAndCreatesNothing() throws Exception {
        List<ArtifactRef> mine = List.of(delta("local", 1), delta("local", 2));
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        DeadLetter dead = deadLettered(request("../../canary/x", "job-" + UUID.randomUUID(), mine));
        assertTrue(dead.getErrorMessage().contains("MergeRequested.tenantId")
                && dead.getErrorMessage().contains("is not a valid tenant id"), dead.getErrorMessage());
        assertEquals(List.of("", "keep.txt"), AttackProbes.contents(canary));
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void dotDotKeyIntoAnotherTenantIsDeadLettered() throws Exception {
        ArtifactRef theirs = delta("other", 3);
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        ArtifactRef sneaky = ArtifactRef.newBuilder(theirs)
                .setKey("tenants/local/../other/deltas/" + theirs.getSha256() + ".safetensors").build();
        DeadLetter dead = deadLettered(request("local", "job-" + UUID.randomUUID(), List.of(sneaky, sneaky)));
        assertTrue(dead.getErrorMessage().contains("MergeRequested.deltas[0].key"), dead.getErrorMessage());
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void anotherTenantsDeltaIsRefusedWithoutBeingRead() throws Exception {
        ArtifactRef theirs = delta("other", 4);
        ArtifactRef mine = delta("local", 5);
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        JobFailed refused = failed(request("local", "job-" + UUID.randomUUID(), List.of(theirs, mine)));
        assertEquals("FOREIGN_ARTIFACT", refused.getErrorClass());
        assertTrue(refused.getReason().contains("delta 1") && refused.getReason().contains("tenant local"),
                refused.getReason());
        assertEquals(before, AttackProbes.tenantData(store));
    }

    @Test
    void aDeltaInAnotherBucketIsRefused() throws Exception {
        ArtifactRef mine = delta("local", 6);
        List<ObjectSummary> before = AttackProbes.tenantData(store);
        ArtifactRef elsewhere = ArtifactRef.newBuilder(mine).setBucket("someone-elses-bucket").build();
        JobFailed refused = failed(request("local", "job-" + UUID.randomUUID(), List.of(elsewhere, mine)));
        assertEquals("FOREIGN_ARTIFACT", refused.getErrorClass());
        assertTrue(refused.getReason().contains("someone-elses-bucket"), refused.getReason());
        assertEquals(before, AttackProbes.tenantData(store));
    }
}

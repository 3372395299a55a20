package dev.cdiff.training;

import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.embedded.testing.LoopbackStack;

import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.StoredArtifact;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.diffusion.backend.BackendFingerprint;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingFailed;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingProgress;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training worker against a real broker, S3 and registry, training the tiny golden model for a few steps. */
class TrainingServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int STEPS = 60;

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static ServiceConfig config;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;
    static List<ArtifactRef> images = new ArrayList<>();
    static List<ArtifactRef> regularization = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("training");
        settings.put(TrainingSettings.BASE_MODEL_DIR, tinySd().toString());
        settings.put(ServiceConfig.WORK_DIR, workspace.resolve("work").toString());
        settings.put(TrainingSettings.KEEPALIVE_POLL_MS, "100");
        config = ServiceConfig.of(settings);
        store = ArtifactStore.fromConfig(config).ensureBucket();
        for (int i = 0; i < 4; i++) {
            images.add(store.put("acme", "images", png(32, i), "png", "image/png").toRef());
        }
        for (int i = 0; i < 2; i++) {
            byte[] png = png(32, 50 + i);
            String key = "shared/class-images/" + dev.cdiff.platform.store.Sha256.hex(png) + ".png";
            store.putAt(key, png, "image/png");
            regularization.add(new StoredArtifact(store.bucket(), key, dev.cdiff.platform.store.Sha256.hex(png),
                    png.length, "image/png").toRef());
        }
        producer = stack.producer();
        // the tests run extra worker groups (a reference run, two deployments racing for one job), as an operator
        // would grant a second deployment of the training principal
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                stack.kafka.superUserClientSettings())) {
            admin.createAcls(List.of(new org.apache.kafka.common.acl.AclBinding(
                    new org.apache.kafka.common.resource.ResourcePattern(
                            org.apache.kafka.common.resource.ResourceType.GROUP, "training-",
                            org.apache.kafka.common.resource.PatternType.PREFIXED),
                    new org.apache.kafka.common.acl.AccessControlEntry("User:training", "*",
                            org.apache.kafka.common.acl.AclOperation.READ,
                            org.apache.kafka.common.acl.AclPermissionType.ALLOW)))).all().get();
        }
    }

    @AfterAll
    static void stop() {
        producer.close();
        stack.close();
    }

    static Path tinySd() {
        return GoldenFolder.tinySd();
    }

    static byte[] png(int side, int seed) throws Exception {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                img.setRGB(x, y, ((x * 8 + seed * 31) & 0xFF) << 16 | ((y * 8 + seed * 17) & 0xFF) << 8 | (seed * 40 & 0xFF));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static TrainingRequested request(String jobId, String tenant, String digest, List<ArtifactRef> targets) {
        return request(jobId, tenant, digest, targets, 5);
    }

    static TrainingRequested request(String jobId, String tenant, String digest, List<ArtifactRef> targets,
                                     int checkpointEvery) {
        ConceptSpec concept = ConceptSpec.newBuilder().setConceptId("c1").setConceptName("rex")
                .setModifierToken("<new1>").setClassWord("dog").setInitializerWord("ktn").setImages(targets)
                .setCaptions(List.of("photo of a <new1> dog")).setRegularizationImages(regularization)
                .setRegularizationCaptions(List.of("a dog", "photo of a dog")).build();
        TrainingOptions options = TrainingOptions.newBuilder().setSteps(STEPS).setBatchSize(2).setLearningRate(1e-3)
                .setPriorLossWeight(1.0).setResolution(0).setSeed(7).setProgressEverySteps(1)
                .setCheckpointEverySteps(checkpointEvery).build();
        return TrainingRequested.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId(jobId).setOccurredAt(Instant.now()).setBaseModel("tiny-sd").setBaseModelDigest(digest)
                .setConcepts(List.of(concept)).setOptions(options).build();
    }

    @Test
    void killedMidRunResumesFromTheCheckpointAndMatchesAnUninterruptedRun() throws Exception {
        TrainingCompleted reference = uninterruptedRun(); // before the workers below, which would take its request too
        String jobId = "job-" + UUID.randomUUID();
        int abortedAfter;
        try (KafkaConsumer<String, SpecificRecord> events = stack.consumer(Topics.TRAINING_PROGRESS)) {
            TrainingService first = new TrainingService(config).start();
            TrainingRequested request = request(jobId, "acme", first.baseModelDigest(), images);
            producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTED, jobId, request)).get();
            TrainingProgress checkpointed = LoopbackStack.await(events, TrainingProgress.class,
                    p -> p.getJobId().equals(jobId) && p.getCheckpoint() != null, 1, WAIT).get(0);
            first.close(); // the "kill": the run stops at its next step, the request stays uncommitted
            assertTrue(checkpointed.getCheckpoint().getKey().startsWith("tenants/acme/jobs/" + jobId + "/checkpoints/"));
            abortedAfter = lastStep(events, jobId, Duration.ofSeconds(2));
            assertTrue(abortedAfter < STEPS, "the first worker must stop before the end, stopped at " + abortedAfter);
        }
        TrainingCompleted resumed;
        // a max.poll.interval.ms far shorter than the ~15 s run: only keep-alive polling keeps the member in its group
        ServiceConfig shortPolls = config.with(TrainingService.MAX_POLL_INTERVAL, "3000");
        try (KafkaConsumer<String, SpecificRecord> completed = stack.consumer(Topics.TRAINING_COMPLETED);
             TrainingService second = new TrainingService(shortPolls).start()) {
            resumed = LoopbackStack.await(completed, TrainingCompleted.class, e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals(STEPS, resumed.getSteps());
            assertEquals(List.of("<new1>"), resumed.getTokens());
            assertEquals(List.of("dog"), resumed.getClassWords());
            assertTrue(Double.isFinite(resumed.getFinalLoss()));
            assertTrue(resumed.getDelta().getKey().startsWith("tenants/acme/deltas/"));
            assertTrue(resumed.getDurationMillis() > 3000, "the run outlasted max.poll.interval.ms");
            assertEquals(BackendFingerprint.current().encode(), resumed.getBackend(),
                    "TrainingCompleted names the backend that computed the delta");

            // the same request under another job id, uninterrupted, must give the same delta, bit for bit
            assertDeltasIdentical(resumed.getDelta(), reference.getDelta());
            assertEquals(reference.getFinalLoss(), resumed.getFinalLoss(), 0.0,
                    "the final loss averages the same steps' losses, some of them from before the kill");
            assertEquals(0, second.loop().stats().commitFailures(), "the worker was never kicked out of its group");
            // the loop counts the record once its idempotency marker is stored, just after TrainingCompleted is out
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (second.loop().stats().handled() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1, second.loop().stats().handled());
        }
        try (KafkaConsumer<String, SpecificRecord> progress = stack.consumer(Topics.TRAINING_PROGRESS)) {
            LoopbackStack.await(progress, TrainingProgress.class, p -> p.getJobId().equals(jobId) && p.getStep() == STEPS, 1,
                    WAIT);
            progress.seekToBeginning(progress.assignment());
            Map<Integer, Integer> reports = new java.util.HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, SpecificRecord> r : progress.poll(Duration.ofMillis(200))) {
                    if (r.value() instanceof TrainingProgress p && p.getJobId().equals(jobId)) {
                        reports.merge(p.getStep(), 1, Integer::sum);
                    }
                }
            }
            assertEquals(1, reports.get(1), "step 1 ran once: the restarted worker resumed instead of starting over");
            assertEquals(1, reports.get(STEPS));
            assertEquals(STEPS, reports.size(), "every step was reported");
        }
    }

    private static int lastStep(KafkaConsumer<String, SpecificRecord> events, String jobId, Duration quiet) {
        int last = 0;
        long deadline = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, SpecificRecord> r : events.poll(Duration.ofMillis(200))) {
                if (r.value() instanceof TrainingProgress p && p.getJobId().equals(jobId)) {
                    last = Math.max(last, p.getStep());
                }
            }
        }
        return last;
    }

    /**
     * Bit-identical, not close: resume restores everything a step depends on (weights, AdamW moments, step, and the
     * per-step RNG is a function of seed and step), so the same backend must produce the same bytes. Holds with the
     * tests' one PyTorch thread; with more threads the engine's reductions may order differently run to run.
     */
    private static void assertDeltasIdentical(ArtifactRef a, ArtifactRef b) throws Exception {
        Path fa = store.download(a.getKey(), workspace.resolve("a.safetensors"));
        Path fb = store.download(b.getKey(), workspace.resolve("b.safetensors"));
        Delta da = Delta.read(fa);
        Delta db = Delta.read(fb);
        assertEquals(da.layers().keySet(), db.layers().keySet());
        assertFalse(da.layers().isEmpty());
        for (String k : da.layers().keySet()) {
            assertArrayEquals(((LayerWeight.Full) da.layers().get(k)).weight(),
                    ((LayerWeight.Full) db.layers().get(k)).weight(), 0f, k);
        }
        assertArrayEquals(da.tokenEmbeddings().get("<new1>"), db.tokenEmbeddings().get("<new1>"), 0f);
        assertEquals(b.getSha256(), a.getSha256(), "the delta files are byte for byte the same");
    }

    private static TrainingCompleted uninterrupted;

    /** One uninterrupted run of the test request, the reference every interrupted run must reproduce. */
    private static synchronized TrainingCompleted uninterruptedRun() throws Exception {
        if (uninterrupted == null) {
            try (KafkaConsumer<String, SpecificRecord> completed = stack.consumer(Topics.TRAINING_COMPLETED);
                 TrainingService worker = new TrainingService(config.with(ServiceConfig.CONSUMER_GROUP,
                         "training-reference")).start()) {
                String refJob = "job-" + UUID.randomUUID();
                producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTED, refJob,
                        request(refJob, "acme", worker.baseModelDigest(), images))).get();
                uninterrupted = LoopbackStack.await(completed, TrainingCompleted.class,
                        e -> e.getJobId().equals(refJob), 1, WAIT).get(0);
            }
        }
        return uninterrupted;
    }

    /** Step number -> how many TrainingProgress events reported it, for one job. */
    private static Map<Integer, Integer> progressReports(String jobId) {
        Map<Integer, Integer> reports = new java.util.TreeMap<>();
        try (KafkaConsumer<String, SpecificRecord> progress = stack.consumer(Topics.TRAINING_PROGRESS)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, SpecificRecord> r : progress.poll(Duration.ofMillis(200))) {
                    if (r.value() instanceof TrainingProgress p && p.getJobId().equals(jobId)) {
                        reports.merge(p.getStep(), 1, Integer::sum);
                    }
                }
            }
        }
        return reports;
    }

    @Test
    void aRevokedPartitionStopsTheJobAtACheckpointOfItsCurrentStepAndTheNextOwnerFinishesItExactly() throws Exception {
        // eager rebalancing: a member joining takes every partition away from the running worker first
        ServiceConfig eager = config.with(TrainingService.ASSIGNMENT_STRATEGY,
                org.apache.kafka.clients.consumer.RangeAssignor.class.getName())
                .with(ServiceConfig.CONSUMER_GROUP, "training-rebalance");
        String jobId = "job-" + UUID.randomUUID();
        TrainingCompleted done;
        try (KafkaConsumer<String, SpecificRecord> progress = stack.consumer(Topics.TRAINING_PROGRESS);
             KafkaConsumer<String, SpecificRecord> completed = stack.consumer(Topics.TRAINING_COMPLETED);
             TrainingService first = new TrainingService(eager).start()) {
            TrainingRequested request = request(jobId, "acme", first.baseModelDigest(), images, 1000);
            producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTED, jobId, request)).get();
            LoopbackStack.await(progress, TrainingProgress.class, p -> p.getJobId().equals(jobId) && p.getStep() >= 3,
                    1, WAIT);
            try (TrainingService second = new TrainingService(eager).start()) {
                done = LoopbackStack.await(completed, TrainingCompleted.class, e -> e.getJobId().equals(jobId), 1,
                        WAIT).get(0);
                assertTrue(done.getDurationMillis() >= 0);
            }
        }
        Map<Integer, Integer> reports = progressReports(jobId);
        assertEquals(STEPS, reports.size(), "every step was reported: " + reports);
        reports.forEach((step, n) -> assertEquals(1, n, "step " + step + " ran once: " + reports));
        assertDeltasIdentical(done.getDelta(), uninterruptedRun().getDelta());
        assertEquals(uninterruptedRun().getFinalLoss(), done.getFinalLoss(), 0.0,
                "the final loss averages the same steps' losses");
        assertFalse(store.exists(JobLease.key("acme", jobId)), "the lease was released at the end");
    }

    @Test
    void aSecondWorkerGivenTheSameJobWaitsForItsLeaseAndNeverTrainsIt() throws Exception {
        // two consumer groups: both workers receive the same request, as after a rebalance a slow worker might
        String jobId = "job-" + UUID.randomUUID();
        List<TrainingCompleted> done;
        try (KafkaConsumer<String, SpecificRecord> completed = stack.consumer(Topics.TRAINING_COMPLETED);
             TrainingService a = new TrainingService(config.with(ServiceConfig.CONSUMER_GROUP, "training-a")).start();
             TrainingService b = new TrainingService(config.with(ServiceConfig.CONSUMER_GROUP, "training-b")).start()) {
            producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTED, jobId,
                    request(jobId, "acme", a.baseModelDigest(), images))).get();
            done = LoopbackStack.await(completed, TrainingCompleted.class, e -> e.getJobId().equals(jobId), 2, WAIT);
        }
        Map<Integer, Integer> reports = progressReports(jobId);
        assertEquals(STEPS, reports.size(), "every step was reported: " + reports);
        reports.forEach((step, n) -> assertEquals(1, n, "step " + step + " was trained by one worker only: " + reports));
        assertEquals(done.get(0).getEventId(), done.get(1).getEventId(), "the waiting worker re-reports the same outcome");
        assertEquals(done.get(0).getDelta(), done.get(1).getDelta());
        assertDeltasIdentical(done.get(0).getDelta(), uninterruptedRun().getDelta());
        assertFalse(store.exists(JobLease.key("acme", jobId)), "the lease was released at the end");
    }

    @Test
    void wrongBaseModelOrForeignImagesFailClearly() throws Exception {
        try (TrainingService service = new TrainingService(config).start();
             KafkaConsumer<String, SpecificRecord> failed = stack.consumer(Topics.TRAINING_FAILED)) {
            String wrongModel = "job-" + UUID.randomUUID();
            producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTED, wrongModel,
                    request(wrongModel, "acme", "0".repeat(64), images))).get();
            TrainingFailed f1 = LoopbackStack.await(failed, TrainingFailed.class, e -> e.getJobId().equals(wrongModel), 1,
                    WAIT).get(0);
            assertEquals("BASE_MODEL_MISMATCH", f1.getErrorClass());
            assertFalse(f1.getRetryable());
            assertTrue(f1.getReason().contains("0".repeat(64)), f1.getReason());

            String foreign = "job-" + UUID.randomUUID();
            producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTED, foreign,
                    request(foreign, "mallory", service.baseModelDigest(), images))).get();
            TrainingFailed f2 = LoopbackStack.await(failed, TrainingFailed.class, e -> e.getJobId().equals(foreign), 1,
                    WAIT).get(0);
            assertEquals("FOREIGN_ARTIFACT", f2.getErrorClass());
            assertTrue(f2.getReason().contains("tenant mallory"), f2.getReason());
        }
    }

    @Test
    void aRequestOverAQuotaWrittenStraightToKafkaFailsNamingTheCapAndIsNotTrained() throws Exception {
        try (TrainingService service = new TrainingService(config).start();
             KafkaConsumer<String, SpecificRecord> failed = stack.consumer(Topics.TRAINING_FAILED);
             KafkaConsumer<String, SpecificRecord> progress = stack.consumer(Topics.TRAINING_PROGRESS)) {
            String jobId = "job-" + UUID.randomUUID();
            TrainingRequested request = request(jobId, "acme", service.baseModelDigest(), images);
            request.getOptions().setSteps(100_000);
            producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTED, jobId, request)).get();
            TrainingFailed f = LoopbackStack.await(failed, TrainingFailed.class, e -> e.getJobId().equals(jobId), 1,
                    WAIT).get(0);
            assertEquals("QuotaExceeded", f.getErrorClass());
            assertFalse(f.getRetryable());
            assertTrue(f.getReason().contains("training steps 100000 is over the limit of 2000 (quota.acme.maxSteps)"),
                    f.getReason());
            assertEquals(0, lastStep(progress, jobId, Duration.ofSeconds(2)), "no step was trained");
        }
    }
}

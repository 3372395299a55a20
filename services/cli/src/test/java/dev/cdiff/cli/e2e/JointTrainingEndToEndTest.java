package dev.cdiff.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.AuditCommandAccess;
import dev.cdiff.cli.audit.AuditReport;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.demo.DemoConcept;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.JobFollower;
import dev.cdiff.cli.events.ObservedEvent;
import dev.cdiff.cli.model.DemoBaseModel;
import dev.cdiff.cli.stack.AllInOne;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.StackProfile;
import dev.cdiff.cli.stack.WorkspaceLock;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.embedded.EmbeddedStack;
import dev.cdiff.platform.audit.EventLog;
import dev.cdiff.platform.store.ArtifactStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two concepts submitted as one joint job through the gateway travel the real pipeline on the embedded stack: one
 * class set per concept, one training run over both, one delta holding both tokens, samples from a prompt that names
 * both; then the stopped stack's archive is audited and every artifact (both class sets included) re-derives.
 */
class JointTrainingEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(8);

    @TempDir
    static Path workspace;

    @Test
    void twoConceptsTrainIntoOneDeltaWithBothTokensAndAuditBitIdentically() throws Exception {
        AllInOne.Options options = AllInOne.Options.defaults(workspace)
                .withSettings(StackProfile.test(DemoBaseModel.imageSize()));
        String job;
        Path model;
        try (AllInOne stack = AllInOne.start(options)) {
            model = stack.baseModel();
            Endpoints endpoints = stack.endpoints();
            List<ObservedEvent> chain;
            long start = System.nanoTime();
            try (EventWatcher watcher = EventWatcher.start(endpoints, false);
                 JobFollower follower = new JobFollower(watcher, false, j -> j)) {
                DemoConcept circle = DemoConcept.CHECKER_CIRCLE;
                DemoConcept square = DemoConcept.STRIPED_SQUARE;
                GatewayClient.Answer answer = endpoints.gateway().submitJoint(List.of(
                        new GatewayClient.JointConceptUpload(circle.conceptName(), circle.classWord(),
                                circle.initializerWord(), null, circle.images(), List.of()),
                        new GatewayClient.JointConceptUpload(square.conceptName(), square.classWord(),
                                square.initializerWord(), "<new2>", square.images(), List.of())));
                assertEquals(202, answer.status(), answer.describe());
                job = answer.jobId();
                follower.awaitDone(job, Set.of("SamplesGenerated"), TIMEOUT);
                chain = watcher.eventsOf(job);
            }
            long wallMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();

            assertEquals(2, chain.stream().filter(e -> e.type().equals("RegularizationRequested")).count(),
                    "one class set requested per concept");
            assertEquals(2, chain.stream().filter(e -> e.type().equals("RegularizationReady")).count());
            assertEquals(1, chain.stream().filter(e -> e.type().equals("TrainingRequested")).count(),
                    "one training run for both concepts");
            ObservedEvent trainRequested = chain.stream().filter(e -> e.type().equals("TrainingRequested"))
                    .findFirst().orElseThrow();
            List<?> concepts = (List<?>) trainRequested.field("concepts");
            assertEquals(2, concepts.size(), "the request carries both concepts");
            for (Object c : concepts) {
                var spec = (org.apache.avro.generic.GenericRecord) c;
                assertTrue(!((List<?>) spec.get("regularizationImages")).isEmpty(),
                        "each concept carries its own class set: " + spec.get("conceptName"));
            }

            JsonNode status = endpoints.gateway().job(job).orElseThrow();
            assertEquals("DONE", status.path("stage").asText(), status.toString());
            JsonNode delta = status.path("delta");
            assertEquals(List.of("<new1>", "<new2>"), strings(delta.path("tokens")));
            assertEquals(List.of(circle().classWord(), DemoConcept.STRIPED_SQUARE.classWord()),
                    strings(delta.path("classWords")));
            assertEquals(4, delta.path("steps").asInt(), "the test profile's joint steps");
            double loss = delta.path("finalLoss").asDouble();
            assertTrue(Double.isFinite(loss), "finite loss");

            ArtifactStore store = ArtifactStore.fromConfig(endpoints.serviceConfig("joint-test"));
            Path file = store.download(delta.path("artifact").path("key").asText(),
                    workspace.resolve("joint-delta.safetensors"));
            Delta read = Delta.read(file);
            assertEquals(Set.of("<new1>", "<new2>"), read.tokenEmbeddings().keySet(), "one delta, both tokens");
            float[] first = read.tokenEmbeddings().get("<new1>");
            float[] second = read.tokenEmbeddings().get("<new2>");
            assertNotEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(second),
                    "each token learned its own embedding");

            List<String> prompts = strings(status.path("samples").path("prompts"));
            assertTrue(prompts.stream().anyMatch(p -> p.contains("<new1>") && p.contains("<new2>")),
                    "a sample of both concepts together: " + prompts);
            assertEquals(strings(status.path("samples").path("requestedPrompts")).size(),
                    status.path("samples").path("images").size(), "one image per prompt");

            System.out.printf(java.util.Locale.ROOT, "joint training: %d steps, training %d ms, job wall %d ms,"
                    + " final loss %.5f%n", delta.path("steps").asInt(), delta.path("durationMillis").asLong(),
                    wallMillis, loss);
            awaitArchived(store, job);
        }

        try (WorkspaceLock lock = WorkspaceLock.acquire(workspace);
             EmbeddedStack stack = EmbeddedStack.start(workspace)) {
            AuditReport report = AuditCommandAccess.audit(options, stack.environment(), model, job);
            System.out.println(report.text());
            assertTrue(report.chainProblems().isEmpty(), report.chainProblems().toString());
            long classSets = report.artifacts().stream().filter(c -> c.stage().equals("retrieval")
                    && c.artifact().startsWith("class-set manifest")).count();
            assertEquals(2, classSets, "both concepts' class sets are re-derived");
            for (AuditReport.ArtifactCheck c : report.artifacts()) {
                assertTrue(c.matches(), c.stage() + " " + c.artifact() + ": recorded " + c.recorded()
                        + ", re-derived " + c.rederived() + " " + c.note());
            }
            assertTrue(report.passed());
        }
    }

    private static DemoConcept circle() {
        return DemoConcept.CHECKER_CIRCLE;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void awaitArchived(ArtifactStore store, String job) throws InterruptedException {
        EventLog log = new EventLog(store);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var tenant = log.tenantOf(job);
            if (tenant.isPresent() && log.read(tenant.get(), job).events().stream()
                    .anyMatch(e -> e.type().equals("SamplesGenerated"))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the archiver did not archive SamplesGenerated of job " + job + " within 60 s");
    }
}

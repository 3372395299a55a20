package dev.cdiff.cli.e2e;

import dev.cdiff.cli.AuditCommandAccess;
import dev.cdiff.cli.audit.AuditReport;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.demo.DemoConcept;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.JobFollower;
import dev.cdiff.cli.model.DemoBaseModel;
import dev.cdiff.cli.stack.AllInOne;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.StackProfile;
import dev.cdiff.cli.stack.WorkspaceLock;
import dev.cdiff.embedded.EmbeddedStack;
import dev.cdiff.platform.audit.ArchivedEvent;
import dev.cdiff.platform.audit.EventLog;
import dev.cdiff.platform.store.ArtifactStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A concept job through the real pipeline on the embedded stack, the stack stopped (as after {@code ./cdiff demo}
 * exits), then audited on the same workspace: every artifact re-derives bit-identically (same process, same
 * backend), and an archived event changed or removed afterwards is named by the audit.
 */
class JobAuditEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(6);

    @TempDir
    static Path workspace;

    @Test
    void aFinishedJobReDerivesBitIdenticallyAndATamperedLogIsNamed() throws Exception {
        AllInOne.Options options = AllInOne.Options.defaults(workspace)
                .withSettings(StackProfile.test(DemoBaseModel.imageSize()));
        String job;
        Path model;
        try (AllInOne stack = AllInOne.start(options)) {
            model = stack.baseModel();
            Endpoints endpoints = stack.endpoints();
            try (EventWatcher watcher = EventWatcher.start(endpoints, false);
                 JobFollower follower = new JobFollower(watcher, false, j -> j)) {
                DemoConcept concept = DemoConcept.CHECKER_CIRCLE;
                GatewayClient.Answer answer = endpoints.gateway().submit(concept.conceptName(), concept.classWord(),
                        concept.initializerWord(), concept.images(), List.of());
                assertEquals(202, answer.status(), answer.describe());
                job = answer.jobId();
                follower.awaitDone(job, Set.of("SamplesGenerated"), TIMEOUT);
            }
            awaitArchived(ArtifactStore.fromConfig(endpoints.serviceConfig("audit-test")), job, "SamplesGenerated");
        }

        try (WorkspaceLock lock = WorkspaceLock.acquire(workspace);
             EmbeddedStack stack = EmbeddedStack.start(workspace)) {
            AuditReport report = AuditCommandAccess.audit(options, stack.environment(), model, job);
            System.out.println(report.text());
            Files.writeString(Path.of("target", "audit-report-e2e.md"), report.markdown(), StandardCharsets.UTF_8);
            assertTrue(report.chainProblems().isEmpty(), report.chainProblems().toString());
            assertTrue(report.sameBackend(), "re-derived in the process that trained: " + report.recordedBackend());
            List<String> stages = report.artifacts().stream().map(AuditReport.ArtifactCheck::stage).distinct().toList();
            assertEquals(List.of("retrieval", "training", "sampling"), stages);
            for (AuditReport.ArtifactCheck c : report.artifacts()) {
                assertTrue(c.matches(), c.stage() + " " + c.artifact() + ": recorded " + c.recorded()
                        + ", re-derived " + c.rederived() + " " + c.note());
            }
            assertTrue(report.inputs().keySet().stream().anyMatch(k -> k.contains(" image ")), "input digests listed");
            assertTrue(report.passed());

            ArtifactStore store = ArtifactStore.fromConfig(new Endpoints(stack.environment()).serviceConfig("audit-test"));
            EventLog log = new EventLog(store);
            String tenant = report.tenantId();
            List<ArchivedEvent> events = log.read(tenant, job).events();
            ArchivedEvent trainingRequested = events.stream().filter(e -> e.type().equals("TrainingRequested"))
                    .findFirst().orElseThrow();
            String key = EventLog.prefix(tenant, job) + String.format("%010d.json", trainingRequested.seq());
            String original = new String(store.getBytes(key), StandardCharsets.UTF_8);
            // one changed character of the event body (base64 'A' -> 'B')
            int at = original.indexOf("\"payload\":\"") + 20;
            char c = original.charAt(at);
            String tampered = original.substring(0, at) + (c == 'A' ? 'B' : 'A') + original.substring(at + 1);
            store.putAt(key, tampered.getBytes(StandardCharsets.UTF_8), "application/json");
            List<String> changed = log.read(tenant, job).problems();
            assertEquals(1, changed.size(), changed.toString());
            assertTrue(changed.get(0).contains("entry #" + trainingRequested.seq() + " TrainingRequested "
                    + trainingRequested.eventId() + " was changed"), changed.get(0));
            AuditReport failed = AuditCommandAccess.audit(options, stack.environment(), model, job);
            assertTrue(!failed.passed() && failed.chainProblems().equals(changed), "the audit reports it too");
            store.putAt(key, original.getBytes(StandardCharsets.UTF_8), "application/json");

            ArchivedEvent regReady = events.stream().filter(e -> e.type().equals("RegularizationReady"))
                    .findFirst().orElseThrow();
            store.delete(EventLog.prefix(tenant, job) + String.format("%010d.json", regReady.seq()));
            List<String> missing = log.read(tenant, job).problems();
            assertEquals(1, missing.size(), missing.toString());
            assertTrue(missing.get(0).startsWith("entry #" + regReady.seq() + " is missing"), missing.get(0));

            ArchivedEvent last = events.get(events.size() - 1);
            store.delete(EventLog.prefix(tenant, job) + String.format("%010d.json", last.seq()));
            List<String> tail = log.read(tenant, job).problems();
            assertTrue(tail.stream().anyMatch(p -> p.startsWith("entry #" + last.seq() + " is missing")), tail.toString());
        }
    }

    private static void awaitArchived(ArtifactStore store, String job, String type) throws InterruptedException {
        EventLog log = new EventLog(store);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var tenant = log.tenantOf(job);
            if (tenant.isPresent() && log.read(tenant.get(), job).events().stream().anyMatch(e -> e.type().equals(type))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the archiver did not archive " + type + " of job " + job + " within 60 s");
    }
}

package dev.cdiff.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.audit.AuditReport;
import dev.cdiff.cli.audit.JobAuditor;
import dev.cdiff.cli.stack.AllInOne;
import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.platform.audit.EventLog;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.scratch.ScratchFolders;
import dev.cdiff.platform.store.ArtifactStore;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * After a chaos run: each finished job re-derived without faults by the audit's replay of its archived events, and
 * its stored digests compared with the re-derived ones.
 */
final class FaultFreeReplay {
    private final ChaosRun.Options options;
    private final PrintStream out;
    private final List<String> problems;

    /** @param problems where each finding is added, as a sentence */
    FaultFreeReplay(ChaosRun.Options options, PrintStream out, List<String> problems) {
        this.options = options;
        this.out = out;
        this.problems = problems;
    }

    /** The audit reads the archiver's log in S3: give the (restarted) archiver time to catch up first. */
    void awaitArchived(ChaosStack stack, List<ChaosRun.SubmittedJob> jobs, Map<String, JsonNode> finals,
                               long deadline) throws InterruptedException {
        ArtifactStore store = ArtifactStore.fromConfig(ServiceConfig.of(stack.sharedEndpoints())
                .with(ServiceConfig.SERVICE_NAME, "chaos-check"));
        EventLog log = new EventLog(store);
        for (ChaosRun.SubmittedJob j : jobs) {
            if (finals.get(j.jobId()) == null || !"DONE".equals(finals.get(j.jobId()).path("stage").asText())) {
                continue;
            }
            boolean archived = false;
            while (!archived && System.nanoTime() < deadline) {
                try {
                    archived = log.tenantOf(j.jobId()).map(t -> log.read(t, j.jobId()).events().stream()
                            .anyMatch(e -> e.type().equals("SamplesGenerated"))).orElse(false);
                } catch (RuntimeException e) {
                    archived = false;
                }
                if (!archived) {
                    Thread.sleep(500);
                }
            }
            if (!archived) {
                problems.add("job " + j.jobId() + ": the archiver never archived its SamplesGenerated");
            }
        }
    }

    /**
     * The same jobs without faults: each finished job re-derived from its recorded inputs in this process (class
     * set, training, samples) by the audit's replay, and compared digest for digest with what the faulted run
     * stored. Returns how many jobs matched bit for bit.
     */
    int compare(ChaosStack stack, Path model, List<ChaosRun.SubmittedJob> jobs,
                                     Map<String, JsonNode> finals) throws IOException {
        AllInOne.Options allInOne = AllInOne.Options.defaults(options.workspace().toAbsolutePath())
                .withSettings(options.settings());
        ServiceConfig retrieval = AllInOne.serviceConfig(allInOne, stack.sharedEndpoints(), PipelineService.RETRIEVAL,
                model);
        ArtifactStore store = ArtifactStore.fromConfig(retrieval);
        Path scratch = Files.createDirectories(options.workspace().toAbsolutePath().resolve("audit"));
        Path work = Files.createTempDirectory(scratch, "chaos-");
        int equal = 0;
        try {
            JobAuditor auditor = new JobAuditor(store, model, retrieval, work);
            for (ChaosRun.SubmittedJob j : jobs) {
                JsonNode status = finals.get(j.jobId());
                if (status == null || !"DONE".equals(status.path("stage").asText())) {
                    continue;
                }
                AuditReport report = auditor.audit(j.jobId());
                boolean deltaChecked = report.artifacts().stream().anyMatch(c -> c.stage().equals("training"));
                if (report.passed() && report.sameBackend() && deltaChecked) {
                    equal++;
                } else {
                    List<String> differing = report.artifacts().stream().filter(c -> !c.matches())
                            .map(c -> c.stage() + " " + c.artifact() + " (" + (c.rederived() == null ? c.note()
                                    : "max abs diff " + c.maxAbsDiff()) + ")").toList();
                    problems.add("job " + j.jobId() + " differs from its fault-free run: " + differing
                            + (report.chainProblems().isEmpty() ? "" : " chain: " + report.chainProblems())
                            + (report.sameBackend() ? "" : " (backend " + report.recordedBackend() + " vs "
                            + report.currentBackend() + ")"));
                }
                out.println("  fault-free re-run of " + j.jobId() + ": " + (report.passed() ? "bit-identical"
                        : "DIFFERS"));
            }
        } finally {
            ScratchFolders.delete(work);
        }
        return equal;
    }
}

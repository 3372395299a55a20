package dev.cdiff.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.ObservedEvent;
import org.apache.avro.generic.GenericRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * After a chaos run: every submission happened exactly once, on the bus (one ConceptSubmitted, TrainingCompleted and
 * SamplesGenerated per job, one delta, no failure event) and in each tenant's job list (its own jobs once, no other
 * tenant's). Not thread-safe: one check per run.
 */
final class ExactlyOnceCheck {
    private static final Set<String> FAILURE_EVENTS = Set.of("JobFailed", "TrainingFailed", "ConceptRejected");

    /**
     * @param duplicatedJobs   jobs seen more than once
     * @param redelivered      records written again under an event id already seen (the consumers deduplicate them)
     * @param resumedTrainings jobs whose training reported a step twice: a stopped run resumed
     */
    record Result(Set<String> duplicatedJobs, int redelivered, int resumedTrainings) {
    }

    private final List<String> problems;
    private int redelivered;
    private int resumedTrainings;

    /** @param problems where each finding is added, as a sentence */
    ExactlyOnceCheck(List<String> problems) {
        this.problems = problems;
    }

    Result check(ChaosStack stack, List<ChaosRun.SubmittedJob> jobs, List<String> tenants) throws Exception {
        Set<String> duplicated = new HashSet<>(checkEvents(stack, jobs));
        duplicated.addAll(checkTenantLists(stack, jobs, tenants));
        return new Result(Set.copyOf(duplicated), redelivered, resumedTrainings);
    }

    /**
     * Reads the whole bus as an operator: each job must have exactly one TrainingCompleted and one SamplesGenerated
     * (by event id; a record written twice with the same id is a redelivery the consumers deduplicate), one delta,
     * and no failure event. Returns the jobs that were duplicated.
     */
    private Set<String> checkEvents(ChaosStack stack, List<ChaosRun.SubmittedJob> jobs) throws Exception {
        Set<String> duplicated = new HashSet<>();
        try (EventWatcher all = EventWatcher.start(stack.operatorEndpoints(), true)) {
            all.awaitCaughtUp(Duration.ofMinutes(2));
            for (ChaosRun.SubmittedJob j : jobs) {
                List<ObservedEvent> events = all.eventsOf(j.jobId());
                Map<String, Set<String>> idsByType = new HashMap<>();
                Map<String, Integer> recordsByType = new HashMap<>();
                Set<String> deltaKeys = new HashSet<>();
                Map<Object, Integer> progressSteps = new HashMap<>();
                for (ObservedEvent e : events) {
                    if (e.value() == null) {
                        problems.add("job " + j.jobId() + ": undecodable record at " + e.topic() + "/"
                                + e.partition() + "@" + e.offset() + ": " + e.error());
                        continue;
                    }
                    idsByType.computeIfAbsent(e.type(), k -> new HashSet<>()).add(e.eventId());
                    recordsByType.merge(e.type(), 1, Integer::sum);
                    if ("TrainingProgress".equals(e.type())) {
                        progressSteps.merge(e.field("step"), 1, Integer::sum);
                    }
                    if ("TrainingCompleted".equals(e.type()) && e.field("delta") instanceof GenericRecord d) {
                        deltaKeys.add(String.valueOf(d.get("key")));
                    }
                    if (FAILURE_EVENTS.contains(e.type())) {
                        problems.add("job " + j.jobId() + ": " + e.type() + " " + e.value());
                    }
                }
                for (String type : List.of("ConceptSubmitted", "TrainingCompleted", "SamplesGenerated")) {
                    int ids = idsByType.getOrDefault(type, Set.of()).size();
                    if (ids != 1) {
                        problems.add("job " + j.jobId() + ": " + ids + " " + type + " events (distinct ids), want 1");
                        if (ids > 1) {
                            duplicated.add(j.jobId());
                        }
                    }
                    redelivered += recordsByType.getOrDefault(type, 0) - ids;
                }
                if (progressSteps.values().stream().anyMatch(n -> n > 1)) {
                    // a step reported twice: a run stopped (killed or revoked) and another resumed it
                    resumedTrainings++;
                }
                if (deltaKeys.size() > 1) {
                    problems.add("job " + j.jobId() + ": " + deltaKeys.size() + " different deltas " + deltaKeys);
                    duplicated.add(j.jobId());
                }
            }
        }
        return duplicated;
    }

    /** Each tenant sees each of its submissions exactly once, and none of another tenant's. */
    private Set<String> checkTenantLists(ChaosStack stack, List<ChaosRun.SubmittedJob> jobs, List<String> tenants)
            throws Exception {
        Set<String> duplicated = new HashSet<>();
        for (String tenant : tenants) {
            JsonNode list = stack.client(tenant).jobs().path("jobs");
            Map<String, List<String>> byName = new HashMap<>();
            for (JsonNode job : list) {
                byName.computeIfAbsent(job.path("concept").path("conceptName").asText(), k -> new ArrayList<>())
                        .add(job.path("jobId").asText());
            }
            for (ChaosRun.SubmittedJob j : jobs) {
                List<String> ids = byName.getOrDefault(j.conceptName(), List.of());
                if (!j.tenant().equals(tenant)) {
                    if (!ids.isEmpty()) {
                        problems.add("tenant " + tenant + " sees " + j.conceptName() + " of tenant " + j.tenant());
                    }
                    continue;
                }
                if (ids.size() != 1 || !ids.contains(j.jobId())) {
                    problems.add("tenant " + tenant + " has jobs " + ids + " for " + j.conceptName()
                            + ", want exactly [" + j.jobId() + "]");
                    if (ids.size() > 1) {
                        duplicated.add(j.jobId());
                    }
                }
            }
        }
        return duplicated;
    }
}

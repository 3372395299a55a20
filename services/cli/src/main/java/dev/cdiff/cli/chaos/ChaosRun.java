package dev.cdiff.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.audit.JobAuditor;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.demo.DemoConcept;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.model.DemoBaseModel;
import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.cli.stack.StackProfile;
import dev.cdiff.embedded.StackComponent;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The fault-injection run of the pipeline: the embedded infrastructure and every service as separate supervised
 * processes ({@link ChaosStack}), jobs of several tenants submitted through the public API while services are
 * killed with SIGKILL, the registry and S3 go down and the broker restarts ({@link Fault#plan}). Then it checks
 * what a client is owed: every job completed, none lost, none duplicated, and each job's class set, delta and
 * samples bit-identical to the same job re-derived without faults (the audit's replay, {@link JobAuditor}; training
 * is deterministic per seed and backend fingerprint, and every process here runs the same backend).
 */
public final class ChaosRun {
    /**
     * @param killed   services killed with SIGKILL once each
     * @param outage   how long the registry and S3 are each down
     * @param faultWindow the faults start at seeded points within this time from the first submission
     * @param timeout  the whole run's bound: past it the run fails, naming what was still open
     */
    public record Options(Path workspace, int jobs, int tenants, long seed, Set<PipelineService> killed,
                          boolean infrastructureFaults, Duration outage, Duration faultWindow, Duration timeout,
                          Map<String, String> settings) {
        public Options {
            killed = killed.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(killed));
            settings = Map.copyOf(settings);
            if (jobs < 1 || tenants < 1 || tenants > jobs) {
                throw new IllegalArgumentException("need 1 <= tenants <= jobs, got " + tenants + " tenants, "
                        + jobs + " jobs");
            }
        }

        /** The full form: 20 jobs of 3 tenants, every service killed once, 10 s outages, a broker restart. */
        public static Options full(Path workspace, long seed) {
            return new Options(workspace, 20, 3, seed, EnumSet.copyOf(ChaosStack.SERVICE_ORDER), true,
                    Duration.ofSeconds(10), Duration.ofSeconds(100), Duration.ofMinutes(40), profile(12));
        }

        /**
         * The test suite's form: 4 jobs of 2 tenants; the training worker killed mid-training and the orchestrator
         * killed; registry and S3 down 4 s each; a broker restart.
         */
        public static Options shortForm(Path workspace, long seed) {
            return new Options(workspace, 4, 2, seed, EnumSet.of(PipelineService.TRAINING,
                    PipelineService.ORCHESTRATOR), true, Duration.ofSeconds(4), Duration.ofSeconds(25),
                    Duration.ofMinutes(15), profile(8));
        }

        public Options withSettings(Map<String, String> overrides) {
            Map<String, String> merged = new LinkedHashMap<>(settings);
            merged.putAll(overrides);
            return new Options(workspace, jobs, tenants, seed, killed, infrastructureFaults, outage, faultWindow,
                    timeout, merged);
        }

        public Options withJobs(int count, int tenantCount) {
            return new Options(workspace, count, tenantCount, seed, killed, infrastructureFaults, outage, faultWindow,
                    timeout, settings);
        }

        public Options withTimeout(Duration bound) {
            return new Options(workspace, jobs, tenants, seed, killed, infrastructureFaults, outage, faultWindow,
                    bound, settings);
        }
    }

    /**
     * The demo profile with fewer training steps, and what a restart needs to be quick: a dead consumer's session
     * and a dead worker's training lease expire in seconds rather than the production defaults' minute.
     */
    static Map<String, String> profile(int trainingSteps) {
        Map<String, String> s = new LinkedHashMap<>(StackProfile.demo(DemoBaseModel.imageSize()));
        s.put("ORCHESTRATOR_TRAINING_STEPS", Integer.toString(trainingSteps));
        s.put("ORCHESTRATOR_TRAINING_PROGRESS_EVERY_STEPS", "1");
        s.put("ORCHESTRATOR_TRAINING_CHECKPOINT_EVERY_STEPS", Integer.toString(FIRST_CHECKPOINT_STEP));
        s.put("ORCHESTRATOR_SAMPLING_STEPS", "4");
        s.put("ORCHESTRATOR_SAMPLING_IMAGES_PER_PROMPT", "1");
        s.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "10000");
        s.put("KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "2000");
        s.put("TRAINING_LEASE_TTL_MS", "15000");
        return s;
    }

    /** A submitted job: which tenant, which bundled concept, under which unique concept name. */
    record SubmittedJob(int index, String tenant, DemoConcept concept, String conceptName, String jobId) {
    }

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    private static final int FIRST_CHECKPOINT_STEP = 3;

    private final Options options;
    private final PrintStream out;
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<String> outages = new CopyOnWriteArrayList<>();
    private final AtomicInteger kills = new AtomicInteger();
    private final AtomicLong lastTrainingProgressNanos = new AtomicLong();

    private ChaosRun(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static ChaosFigures run(Options options, PrintStream out) throws Exception {
        return new ChaosRun(options, out).run();
    }

    private ChaosFigures run() throws Exception {
        long start = System.nanoTime();
        long deadline = start + options.timeout().toNanos();
        Path ws = options.workspace().toAbsolutePath();
        Files.createDirectories(ws);
        Path model = DemoBaseModel.ensure(ws);
        List<String> tenants = new ArrayList<>();
        for (int t = 0; t < options.tenants(); t++) {
            tenants.add("chaos-" + (char) ('a' + t));
        }
        List<Fault> plan = Fault.plan(options.killed(), options.infrastructureFaults(), options.seed(),
                options.faultWindow());
        out.println("chaos: " + options.jobs() + " jobs of " + options.tenants() + " tenants, seed " + options.seed()
                + "; faults: " + plan.stream().map(f -> f.describe() + " at " + f.at().toMillis() / 1000.0 + " s")
                .toList());
        out.println("chaos: starting the infrastructure and " + ChaosStack.SERVICE_ORDER.size()
                + " services as separate processes under " + ws);
        ChaosStack started = ChaosStack.start(ws, model, options.settings(), tenants, READY_TIMEOUT, out);
        // an interrupted run (Ctrl-C) must not leave a dozen JVMs behind
        Thread cleanup = new Thread(started::close, "chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (ChaosStack stack = started) {
            long pipelineStart = System.nanoTime();
            List<SubmittedJob> jobs;
            AtomicReference<Throwable> faultError = new AtomicReference<>();
            Thread faults;
            try (EventWatcher live = EventWatcher.start(stack.operatorEndpoints(), false)) {
                live.onEvent(e -> {
                    // past the first checkpoint and short of the end: a kill there must resume from the checkpoint
                    if ("TrainingProgress".equals(e.type()) && e.field("step") instanceof Integer step
                            && e.field("totalSteps") instanceof Integer total && step > FIRST_CHECKPOINT_STEP
                            && step < total) {
                        lastTrainingProgressNanos.set(System.nanoTime());
                    }
                });
                faults = new Thread(() -> {
                    try {
                        inject(stack, plan, deadline);
                    } catch (Throwable e) {
                        faultError.set(e);
                    }
                }, "chaos-faults");
                faults.setDaemon(true);
                faults.start();
                jobs = submit(stack, tenants, deadline);
                faults.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            if (faults.isAlive()) {
                problems.add("the fault plan did not finish within the run's time bound");
            }
            if (faultError.get() != null) {
                problems.add("injecting faults failed: " + faultError.get());
            }
            Map<String, JsonNode> finals = awaitTerminal(stack, jobs, deadline);
            Duration pipelineTime = Duration.ofNanos(System.nanoTime() - pipelineStart);
            out.println("chaos: every job terminal or time up after " + pipelineTime.toSeconds() + " s of pipeline");
            int completed = 0;
            int failed = 0;
            int lost = 0;
            for (SubmittedJob j : jobs) {
                JsonNode status = finals.get(j.jobId());
                String stage = status == null ? "UNKNOWN" : status.path("stage").asText();
                if ("DONE".equals(stage)) {
                    completed++;
                } else if ("FAILED".equals(stage)) {
                    failed++;
                    problems.add("job " + j.jobId() + " (" + j.conceptName() + ") FAILED: " + status.path("error"));
                } else {
                    lost++;
                    problems.add("job " + j.jobId() + " (" + j.conceptName() + ") never finished: stage " + stage);
                }
            }
            lost += options.jobs() - jobs.size();
            ExactlyOnceCheck.Result once = new ExactlyOnceCheck(problems).check(stack, jobs, tenants);
            FaultFreeReplay replay = new FaultFreeReplay(options, out, problems);
            replay.awaitArchived(stack, jobs, finals, deadline);
            int unexpected = stack.all().stream().mapToInt(SupervisedProcess::unexpectedExits).sum();
            stack.stopServices();
            int digestsEqual = replay.compare(stack, model, jobs, finals);
            ChaosFigures figures = new ChaosFigures(options.jobs(), options.tenants(), kills.get(), List.copyOf(outages),
                    unexpected, Duration.ofNanos(System.nanoTime() - start), completed, failed, lost,
                    once.duplicatedJobs().size(), digestsEqual, once.redelivered(), once.resumedTrainings(),
                    List.copyOf(problems));
            return figures;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    private List<SubmittedJob> submit(ChaosStack stack, List<String> tenants, long deadline) throws Exception {
        Random pacing = new Random(options.seed() ^ 0x5DEECE66DL);
        List<SubmittedJob> jobs = new ArrayList<>();
        for (int i = 0; i < options.jobs(); i++) {
            String tenant = tenants.get(i % tenants.size());
            DemoConcept concept = DemoConcept.values()[i % DemoConcept.values().length];
            String name = String.format(Locale.ROOT, "chaos %02d %s", i, concept.folder());
            String jobId = submitOnce(stack, tenant, concept, name, deadline);
            if (jobId == null) {
                problems.add("could not submit " + name + " before the time bound");
                continue;
            }
            jobs.add(new SubmittedJob(i, tenant, concept, name, jobId));
            out.println("  submitted " + name + " for tenant " + tenant + " as job " + jobId);
            Thread.sleep(300 + pacing.nextInt(1200));
        }
        return jobs;
    }

    /**
     * Submits, retrying while the gateway is unreachable or answers that a dependency is down. A request that may
     * have reached the gateway before it died is not blindly repeated: the tenant's job list says whether it was
     * taken (jobs are found by their unique concept name), so the client itself never makes a duplicate.
     */
    private String submitOnce(ChaosStack stack, String tenant, DemoConcept concept, String name, long deadline)
            throws InterruptedException {
        GatewayClient api = stack.client(tenant);
        while (System.nanoTime() < deadline) {
            try {
                GatewayClient.Answer a = api.submit(name, concept.classWord(), concept.initializerWord(),
                        concept.images(), List.of());
                if (a.ok()) {
                    return a.jobId();
                }
                if (a.status() < 500 && a.status() != 429) {
                    problems.add("the API refused " + name + ": " + a.describe());
                    return null;
                }
            } catch (ConnectException | HttpConnectTimeoutException e) {
                // never reached the gateway: safe to repeat
            } catch (IOException e) {
                String taken = awaitJobNamed(stack, tenant, name, deadline);
                if (taken != null) {
                    return taken;
                }
            }
            Thread.sleep(1000);
        }
        return null;
    }

    /**
     * The tenant's job of that concept name, or null when it has none: asked until the gateway has answered for
     * 30 s, so a submission taken just before the gateway died has time to reach the orchestrator's job list.
     */
    private String awaitJobNamed(ChaosStack stack, String tenant, String name, long deadline)
            throws InterruptedException {
        long answeringSince = 0;
        while (System.nanoTime() < deadline) {
            try {
                JsonNode jobs = stack.client(tenant).jobs().path("jobs");
                for (JsonNode job : jobs) {
                    if (name.equals(job.path("concept").path("conceptName").asText())) {
                        return job.path("jobId").asText();
                    }
                }
                answeringSince = answeringSince == 0 ? System.nanoTime() : answeringSince;
                if (System.nanoTime() - answeringSince > Duration.ofSeconds(30).toNanos()) {
                    return null;
                }
            } catch (IOException | RuntimeException e) {
                // the gateway or the orchestrator is still coming back
            }
            Thread.sleep(1000);
        }
        return null;
    }

    /** Each fault in a thread of its own at its point in time; returns once every fault has recovered. */
    private void inject(ChaosStack stack, List<Fault> plan, long deadline) throws InterruptedException {
        long t0 = System.nanoTime();
        List<Thread> running = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (Fault f : plan) {
            Thread t = new Thread(() -> {
                try {
                    long wait = f.at().toNanos() - (System.nanoTime() - t0);
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000);
                    }
                    apply(stack, f, deadline);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "chaos-" + f.describe().replace(' ', '-'));
            t.setDaemon(true);
            t.start();
            running.add(t);
        }
        for (Thread t : running) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        if (failure.get() != null) {
            throw new IllegalStateException("fault injection failed", failure.get());
        }
    }

    private void apply(ChaosStack stack, Fault f, long deadline) throws InterruptedException {
        if (f.kind() == Fault.Kind.KILL && f.service() == PipelineService.TRAINING) {
            awaitTrainingRunning(deadline);
        }
        long t0 = System.nanoTime();
        switch (f.kind()) {
            case KILL -> {
                SupervisedProcess p = stack.service(f.service());
                int before = p.starts();
                p.killHard();
                kills.incrementAndGet();
                awaitRestarted(p, before);
                out.println(String.format(Locale.ROOT, "  fault: kill -9 %s; restarted and ready after %.1f s",
                        f.service().serviceName(), seconds(t0)));
            }
            case REGISTRY_DOWN, S3_DOWN -> {
                SupervisedProcess p = stack.infra(f.kind() == Fault.Kind.REGISTRY_DOWN ? StackComponent.REGISTRY
                        : StackComponent.S3);
                int before = p.starts();
                p.stopFor(options.outage());
                double down = seconds(t0);
                awaitRestarted(p, before);
                String line = String.format(Locale.ROOT, "%s %.1f s (serving again after %.1f s)", f.describe(),
                        down, seconds(t0));
                outages.add(line);
                out.println("  fault: " + line);
            }
            case BROKER_RESTART -> {
                SupervisedProcess p = stack.infra(StackComponent.KAFKA);
                int before = p.starts();
                p.stopFor(Duration.ZERO);
                awaitRestarted(p, before);
                String line = String.format(Locale.ROOT, "broker restart, down %.1f s", seconds(t0));
                outages.add(line);
                out.println("  fault: " + line);
            }
        }
    }

    /**
     * A kill of the training worker is meant to land mid-training, after a checkpoint: wait (bounded) for a
     * progress event past the first checkpoint of a run that is not done.
     */
    private void awaitTrainingRunning(long deadline) throws InterruptedException {
        long until = Math.min(deadline, System.nanoTime() + Duration.ofMinutes(3).toNanos());
        while (System.nanoTime() < until) {
            long last = lastTrainingProgressNanos.get();
            if (last != 0 && System.nanoTime() - last < Duration.ofSeconds(2).toNanos()) {
                return;
            }
            Thread.sleep(50);
        }
        problems.add("no training was running to kill within 3 minutes");
    }

    private static void awaitRestarted(SupervisedProcess p, int startsBefore) throws InterruptedException {
        long until = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (p.starts() <= startsBefore) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException(p.name() + " was not restarted within " + READY_TIMEOUT);
            }
            Thread.sleep(50);
        }
        if (!p.awaitReady(READY_TIMEOUT)) {
            throw new IllegalStateException(p.name() + " was not ready again within " + READY_TIMEOUT + "; see "
                    + p.log());
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** Polls every job through the API (tolerating the gateway's own restarts) until each is DONE or FAILED. */
    private Map<String, JsonNode> awaitTerminal(ChaosStack stack, List<SubmittedJob> jobs, long deadline)
            throws InterruptedException {
        Map<String, JsonNode> latest = new HashMap<>();
        Set<String> open = new HashSet<>();
        jobs.forEach(j -> open.add(j.jobId()));
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            for (SubmittedJob j : jobs) {
                if (!open.contains(j.jobId())) {
                    continue;
                }
                try {
                    stack.client(j.tenant()).job(j.jobId()).ifPresent(s -> {
                        latest.put(j.jobId(), s);
                        String stage = s.path("stage").asText();
                        if ("DONE".equals(stage) || "FAILED".equals(stage)) {
                            open.remove(j.jobId());
                        }
                    });
                } catch (IOException | RuntimeException e) {
                    // the gateway or the orchestrator is restarting; ask again
                }
            }
            Thread.sleep(1000);
        }
        return latest;
    }
}

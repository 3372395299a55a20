package dev.cdiff.cli;

import dev.cdiff.cli.demo.DemoRun;
import dev.cdiff.cli.events.ChainTiming;
import dev.cdiff.cli.events.ObservedEvent;
import dev.cdiff.cli.model.DemoBaseModel;
import dev.cdiff.cli.stack.AllInOne;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.LocalKey;
import dev.cdiff.gateway.keys.ApiKeyStore;
import dev.cdiff.cli.stack.StackProfile;
import dev.cdiff.schemas.events.ArtifactRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code cdiff demo}: the whole story on a fresh machine, in a few minutes. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts everything embedded, creates a demo tenant and key, submits the two bundled example concepts (a checkered circle and a striped square) through the authenticated public API, trains each briefly, merges the two deltas, samples the merged model, and prints where the images are (in S3 and on disk), the event chain and its timing. Opens nothing.")
final class DemoCommand implements Callable<Integer> {
    static final Duration HANDOFF_TARGET = Duration.ofSeconds(1);
    static final String DEMO_TENANT = "demo";

    @Mixin
    UpCommand.StackOptions stack = new UpCommand.StackOptions();

    @Option(names = "--steps", paramLabel = "N", description = "Training steps per concept (default: the profile's 30).")
    Integer steps;

    @Option(names = "--sample-steps", paramLabel = "N", defaultValue = "10",
            description = "Denoising steps of every sampled image (default: ${DEFAULT-VALUE}).")
    int sampleSteps;

    @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "20",
            description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    int timeoutMinutes;

    @Option(names = "--keep-running", description = "Leave the stack running after the demo, like 'up'.")
    boolean keepRunning;

    @Option(names = "--no-progress", description = "No progress bars (for logs and CI).")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Map<String, String> profile = StackProfile.demo(DemoBaseModel.imageSize());
        if (steps != null) {
            profile.put("ORCHESTRATOR_TRAINING_STEPS", Integer.toString(steps));
            profile.put("ORCHESTRATOR_TRAINING_JOINT_STEPS", Integer.toString(2 * steps));
        }
        profile.put("ORCHESTRATOR_SAMPLING_STEPS", Integer.toString(sampleSteps));
        PrintStream out = System.out;
        AllInOne running = stack.start(profile, !noProgress);
        Duration startup = Duration.ofNanos(System.nanoTime() - start);
        try {
            UpCommand.printUrls(running, out);
            out.printf(Locale.ROOT, "Stack up in %.1f s%n%n", startup.toMillis() / 1000.0);
            String demoKey = demoTenantKey(running);
            DemoRun.Result result = DemoRun.run(running.endpoints().with(Endpoints.API_KEY, demoKey), new DemoRun.Options(
                    Duration.ofMinutes(timeoutMinutes), !noProgress, sampleSteps, 2, 200, 42), out);
            Duration wall = Duration.ofNanos(System.nanoTime() - start);
            report(result, running, wall, startup, out);
            if (keepRunning) {
                out.println("\nStill running (--keep-running). Ctrl-C stops.");
                CountDownLatch stopped = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    running.close();
                    stopped.countDown();
                }, "cdiff-demo-shutdown"));
                stopped.await();
                return 0;
            }
            return 0;
        } finally {
            if (!keepRunning) {
                running.close();
            }
        }
    }

    /**
     * The demo acts as a tenant of its own, with a fresh key (printed nowhere: the run keeps it in memory). Earlier
     * demo keys are revoked first, so a workspace never piles up live keys nobody holds.
     */
    static String demoTenantKey(AllInOne running) {
        ApiKeyStore store = new ApiKeyStore(LocalKey.keysFile(running.workspace()));
        if (!store.tenants().contains(DEMO_TENANT)) {
            store.addTenant(DEMO_TENANT);
        }
        store.keys().stream().filter(k -> k.tenant().equals(DEMO_TENANT) && !k.revoked())
                .forEach(k -> store.revokeKey(k.keyId()));
        return store.createKey(DEMO_TENANT).secretText();
    }

    static void report(DemoRun.Result r, AllInOne running, Duration wall, Duration startup, PrintStream out) {
        out.println();
        out.println("== Images (S3 bucket objects; local copies under the workspace's S3 folder)");
        r.conceptImages().forEach((concept, images) -> {
            out.println(concept.folder() + "  (job " + r.conceptJobs().get(concept) + ")");
            images.forEach(i -> out.println("  " + where(i, running)));
        });
        out.println("merged " + r.mergedTokens() + "  (job " + r.mergedSampleJob() + ", prompt \""
                + String.join("\", \"", r.mergedPrompts()) + "\")");
        r.mergedImages().forEach(i -> out.println("  " + where(i, running)));
        out.println("merged delta  s3://" + r.mergedDelta().getBucket() + "/" + r.mergedDelta().getKey());

        out.println();
        out.println("== Event chain (" + r.events().size() + " events; replay any job with ./cdiff events JOB_ID)");
        Instant t0 = r.events().stream().map(ObservedEvent::occurredAt).min(Comparator.naturalOrder())
                .orElse(Instant.now());
        r.events().stream().sorted(Comparator.comparing(ObservedEvent::occurredAt)).forEach(e ->
                out.printf(Locale.ROOT, "  +%7.3f s  %-26s %-24s job %s%n",
                        Duration.between(t0, e.occurredAt()).toMillis() / 1000.0, e.topic(), e.type(),
                        e.jobId().substring(0, 8)));

        out.println();
        out.println("== Step timing (from event timestamps)");
        List<ChainTiming.Link> links = ChainTiming.links(r.events());
        for (ChainTiming.Link l : links) {
            out.printf(Locale.ROOT, "  %-8s %-46s %8d ms  job %s%n", l.kind() == ChainTiming.Kind.HANDOFF
                    ? "hand-off" : "work", l.label(), l.elapsed().toMillis(), l.jobId().substring(0, 8));
        }
        Duration max = ChainTiming.maxHandoff(r.events());
        out.printf(Locale.ROOT, "  slowest hand-off (completion event -> next step's request): %d ms (target <= %d ms: %s)%n",
                max.toMillis(), HANDOFF_TARGET.toMillis(), max.compareTo(HANDOFF_TARGET) <= 0 ? "met" : "MISSED");
        out.println();
        out.printf(Locale.ROOT, "Demo wall time %.1f s (stack start-up %.1f s, pipeline %.1f s)%n",
                wall.toMillis() / 1000.0, startup.toMillis() / 1000.0, r.elapsed().toMillis() / 1000.0);
    }

    /** The object's S3 address, plus the file the embedded S3 keeps it in when there is one. */
    static String where(ArtifactRef ref, AllInOne running) {
        String s3 = "s3://" + ref.getBucket() + "/" + ref.getKey();
        Path local = running.workspace().resolve("s3").resolve("buckets").resolve(ref.getBucket())
                .resolve(ref.getKey());
        return Files.exists(local) ? s3 + "  ->  " + local : s3;
    }
}

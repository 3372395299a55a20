package dev.cdiff.cli;

import dev.cdiff.cli.events.EventFormatter;
import dev.cdiff.cli.events.EventWatcher;
import dev.cdiff.cli.events.ObservedEvent;
import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.WorkspaceLock;
import dev.cdiff.embedded.EmbeddedStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code cdiff events}: a job's events, decoded through the schema registry, one line each. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Prints a job's events from every topic in time order, decoded with the schema registry: time, topic, type, eventId, causationId, job and the event's own fields; --follow keeps tailing. With no stack running, replays the workspace's own event log (starting the embedded broker briefly).")
final class EventsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client = new ClientOptions();

    @Parameters(paramLabel = "JOB_ID", arity = "0..1", description = "Job to show (omit with --all).")
    String jobId;

    @Option(names = "--all", description = "Every job's events.")
    boolean all;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events until Ctrl-C.")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        if (jobId == null && !all) {
            throw new IllegalArgumentException("give a JOB_ID or --all");
        }
        Endpoints endpoints = client.endpoints();
        if (ClientOptions.brokerReachable(endpoints)) {
            return show(endpoints);
        }
        Path workspace = client.workspace();
        if (client.endpointsFile != null || !Files.isDirectory(workspace.resolve("kafka"))) {
            throw new IllegalStateException("no broker is reachable at "
                    + endpoints.optional("KAFKA_BOOTSTRAP_SERVERS").orElse("(none configured)")
                    + " and the workspace " + workspace + " holds no event log; start one with './cdiff up'");
        }
        System.err.println("(no stack running: replaying the event log kept in " + workspace + ")");
        try (WorkspaceLock lock = WorkspaceLock.acquire(workspace);
             EmbeddedStack stack = EmbeddedStack.start(workspace)) {
            return show(new Endpoints(stack.environment()));
        }
    }

    private int show(Endpoints endpoints) throws Exception {
        try (EventWatcher watcher = EventWatcher.start(endpoints, true)) {
            watcher.awaitCaughtUp(Duration.ofSeconds(60));
            List<ObservedEvent> history = (all ? watcher.events() : watcher.eventsOf(jobId)).stream()
                    .sorted(Comparator.comparing(ObservedEvent::occurredAt)).toList();
            history.forEach(e -> System.out.println(EventFormatter.line(e)));
            if (!follow) {
                if (history.isEmpty()) {
                    System.err.println(all ? "no events yet" : "no events of job " + jobId);
                    return 1;
                }
                return 0;
            }
            int already = watcher.events().size();
            // events arriving after the history are printed as they come
            java.util.Set<String> printed = new java.util.HashSet<>();
            history.forEach(e -> printed.add(e.topic() + "/" + e.partition() + "/" + e.offset()));
            watcher.onEvent(e -> {
                if ((all || e.belongsTo(jobId)) && printed.add(e.topic() + "/" + e.partition() + "/" + e.offset())) {
                    System.out.println(EventFormatter.line(e));
                }
            });
            // anything that slipped in between the snapshot and the listener
            watcher.events().stream().skip(already).filter(e -> all || e.belongsTo(jobId))
                    .filter(e -> printed.add(e.topic() + "/" + e.partition() + "/" + e.offset()))
                    .forEach(e -> System.out.println(EventFormatter.line(e)));
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "cdiff-events-stop"));
            stop.await();
            return 0;
        }
    }
}

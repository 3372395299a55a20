package dev.cdiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.cli.client.GatewayClient;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cdiff events}: a job's events through the public API, one line each. With no stack running, the operator
 * of a local workspace can still replay its event log from the broker's files, decoded in full.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Prints a job's events (time, direction, type, eventId, causationId) through the public API with the API key; --all every job of the key's tenant; --follow keeps polling. With no stack running, replays the workspace's own event log instead (starting the embedded broker briefly; every field decoded with the schema registry).")
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
        if (endpoints.optional(Endpoints.GATEWAY_URL).isPresent() && ClientOptions.brokerReachable(endpoints)
                || client.endpointsFile != null || System.getenv(Endpoints.GATEWAY_URL) != null) {
            return showThroughApi(endpoints.gateway());
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

    private int showThroughApi(GatewayClient api) throws Exception {
        Set<String> printed = new HashSet<>();
        boolean any = printNew(api, printed);
        if (!follow) {
            if (!any) {
                System.err.println(all ? "no events yet" : "no events of job " + jobId);
                return 1;
            }
            return 0;
        }
        while (!Thread.currentThread().isInterrupted()) {
            Thread.sleep(1000);
            printNew(api, printed);
        }
        return 0;
    }

    private boolean printNew(GatewayClient api, Set<String> printed) throws Exception {
        List<String> ids = new ArrayList<>();
        if (all) {
            api.jobs().path("jobs").forEach(j -> ids.add(j.path("jobId").asText()));
        } else {
            ids.add(jobId);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String id : ids) {
            api.events(id).path("events").forEach(e -> {
                if (printed.add(id + "/" + e.path("direction").asText() + "/" + e.path("eventId").asText())) {
                    lines.add(((ObjectNode) e).put("jobId", id));
                }
            });
        }
        lines.sort(Comparator.comparing(e -> e.path("occurredAt").asText()));
        lines.forEach(e -> System.out.println(String.join("  ", e.path("occurredAt").asText(),
                e.path("direction").asText(), String.format("%-24s", e.path("type").asText()),
                "event " + e.path("eventId").asText(), "cause " + e.path("causationId").asText("-"),
                "job " + e.path("jobId").asText())
                + (e.has("ignored") ? "  ignored: " + e.path("ignored").asText() : "")));
        return !printed.isEmpty();
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

package dev.cdiff.cli.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Timing of a chain of events, from their causation links: every event names the event it answers, so
 * {@code answer.occurredAt - cause.occurredAt} is either a hand-off (a step finished and the next one was asked
 * for: the orchestrator's or the CLI's reaction time) or the work of a step (a request and its result).
 */
public final class ChainTiming {
    /** Events that ask a service to do something; an answer that is one of these is a hand-off. */
    static final Set<String> REQUESTS = Set.of("IngestionRequested", "RegularizationRequested", "TrainingRequested",
            "MergeRequested", "SampleRequested");

    public enum Kind { HANDOFF, WORK }

    public record Link(Kind kind, String jobId, ObservedEvent cause, ObservedEvent effect) {
        public Duration elapsed() {
            return Duration.between(cause.occurredAt(), effect.occurredAt());
        }

        public String label() {
            return cause.type() + " -> " + effect.type();
        }
    }

    private ChainTiming() {
    }

    /**
     * Links of the given events in time order. Progress reports are left out (their cause is the request, not the
     * previous step); only the first answer of each type to a cause counts.
     */
    public static List<Link> links(List<ObservedEvent> events) {
        Map<String, ObservedEvent> byId = new HashMap<>();
        for (ObservedEvent e : events) {
            if (e.eventId() != null) {
                byId.putIfAbsent(e.eventId(), e);
            }
        }
        List<Link> out = new ArrayList<>();
        Set<String> counted = new java.util.HashSet<>();
        for (ObservedEvent effect : events) {
            if ("TrainingProgress".equals(effect.type()) || effect.causationId() == null) {
                continue;
            }
            ObservedEvent cause = byId.get(effect.causationId());
            if (cause == null || !counted.add(cause.eventId() + "->" + effect.type())) {
                continue;
            }
            Kind kind = REQUESTS.contains(effect.type()) ? Kind.HANDOFF : Kind.WORK;
            out.add(new Link(kind, effect.jobId(), cause, effect));
        }
        out.sort(Comparator.comparing((Link l) -> l.effect().occurredAt()));
        return out;
    }

    public static List<Link> handoffs(List<ObservedEvent> events) {
        return links(events).stream().filter(l -> l.kind() == Kind.HANDOFF).toList();
    }

    public static Duration maxHandoff(List<ObservedEvent> events) {
        return handoffs(events).stream().map(Link::elapsed).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }
}

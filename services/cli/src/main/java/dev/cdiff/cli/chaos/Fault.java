package dev.cdiff.cli.chaos;

import dev.cdiff.cli.stack.PipelineService;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * One injected fault: a service killed with SIGKILL, the registry or S3 down for a while, or the broker restarted.
 *
 * @param service the killed service ({@link Kind#KILL} only)
 * @param at      when it starts, counted from the first submission
 */
record Fault(Kind kind, PipelineService service, Duration at) {
    enum Kind { KILL, REGISTRY_DOWN, S3_DOWN, BROKER_RESTART }

    String describe() {
        return switch (kind) {
            case KILL -> "kill -9 " + service.serviceName();
            case REGISTRY_DOWN -> "schema registry down";
            case S3_DOWN -> "S3 down";
            case BROKER_RESTART -> "broker restart";
        };
    }

    /**
     * Every fault of a run once, at points drawn from {@code seed} within {@code window} (the same seed, the same
     * plan). Faults may overlap, as they do in production: a service can restart while the registry is down.
     */
    static List<Fault> plan(Set<PipelineService> killed, boolean infrastructure, long seed, Duration window) {
        Random random = new Random(seed);
        List<Fault> kinds = new ArrayList<>();
        for (PipelineService s : ChaosStack.SERVICE_ORDER) {
            if (killed.contains(s)) {
                kinds.add(new Fault(Kind.KILL, s, Duration.ZERO));
            }
        }
        if (infrastructure) {
            kinds.add(new Fault(Kind.REGISTRY_DOWN, null, Duration.ZERO));
            kinds.add(new Fault(Kind.S3_DOWN, null, Duration.ZERO));
            kinds.add(new Fault(Kind.BROKER_RESTART, null, Duration.ZERO));
        }
        Collections.shuffle(kinds, random);
        List<Fault> out = new ArrayList<>();
        for (Fault f : kinds) {
            long at = (long) (random.nextDouble() * window.toMillis());
            out.add(new Fault(f.kind(), f.service(), Duration.ofMillis(at)));
        }
        out.sort(java.util.Comparator.comparing(Fault::at));
        return out;
    }
}

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
 * @param after   how long after the previous fault this one starts
 */
record Fault(Kind kind, PipelineService service, Duration after) {
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
     * Every fault of a run once, in an order and with gaps drawn from {@code seed}: the same seed, the same plan.
     *
     * @param gapMin shortest pause between two faults
     * @param gapMax longest pause between two faults
     */
    static List<Fault> plan(Set<PipelineService> killed, boolean infrastructure, long seed, Duration gapMin,
                            Duration gapMax) {
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
        long span = Math.max(0, gapMax.toMillis() - gapMin.toMillis());
        List<Fault> out = new ArrayList<>();
        for (Fault f : kinds) {
            long gap = gapMin.toMillis() + (span == 0 ? 0 : (long) (random.nextDouble() * span));
            out.add(new Fault(f.kind(), f.service(), Duration.ofMillis(gap)));
        }
        return out;
    }
}

package dev.cdiff.training;

import dev.cdiff.platform.metrics.ServiceMetrics;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Training's own meters beside the platform's event meters: time per optimisation step and the loss. */
final class TrainingMeters {
    static final String STEP_TIME = "cdiff.training.step";
    static final String LOSS = "cdiff.training.loss";
    static final String LAST_LOSS = "cdiff.training.loss.last";

    private static final TrainingMeters PROCESS = new TrainingMeters(ServiceMetrics.registry());

    private final Timer stepTime;
    private final DistributionSummary loss;
    private final AtomicReference<Double> lastLoss = new AtomicReference<>(Double.NaN);

    TrainingMeters(MeterRegistry registry) {
        stepTime = Timer.builder(STEP_TIME).description("Wall time of one training step (forward, backward, update)")
                .register(registry);
        loss = DistributionSummary.builder(LOSS).description("Loss of every training step").register(registry);
        Gauge.builder(LAST_LOSS, lastLoss, AtomicReference::get)
                .description("Loss of the latest training step of this worker").register(registry);
    }

    static TrainingMeters process() {
        return PROCESS;
    }

    /** A new run's clock: steps are timed from one callback to the next, the first from the run's start. */
    Run run() {
        return new Run();
    }

    final class Run {
        private long previousElapsedMillis;

        private Run() {
        }

        void step(double stepLoss, long elapsedMillis) {
            stepTime.record(Math.max(0, elapsedMillis - previousElapsedMillis), TimeUnit.MILLISECONDS);
            previousElapsedMillis = elapsedMillis;
            if (Double.isFinite(stepLoss)) {
                loss.record(stepLoss);
            }
            lastLoss.set(stepLoss);
        }
    }
}

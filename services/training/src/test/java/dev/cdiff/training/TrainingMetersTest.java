package dev.cdiff.training;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TrainingMetersTest {

    @Test
    void eachStepIsTimedFromThePreviousOneAndItsLossRecorded() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TrainingMeters.Run run = new TrainingMeters(registry).run();
        run.step(0.9, 400);   // first step: from the run's start
        run.step(0.7, 1000);
        run.step(0.5, 1300);
        Timer steps = registry.get(TrainingMeters.STEP_TIME).timer();
        assertEquals(3, steps.count());
        assertEquals(1300.0, steps.totalTime(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(600.0, steps.max(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(3, registry.get(TrainingMeters.LOSS).summary().count());
        assertEquals(2.1, registry.get(TrainingMeters.LOSS).summary().totalAmount(), 1e-9);
        assertEquals(0.5, registry.get(TrainingMeters.LAST_LOSS).gauge().value(), 1e-9);
    }

    @Test
    void aNonFiniteLossIsShownAsLatestButKeptOutOfTheSummary() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TrainingMeters.Run run = new TrainingMeters(registry).run();
        run.step(0.8, 100);
        run.step(Double.NaN, 200);
        assertEquals(1, registry.get(TrainingMeters.LOSS).summary().count());
        assertEquals(Double.NaN, registry.get(TrainingMeters.LAST_LOSS).gauge().value());
    }
}

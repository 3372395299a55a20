package dev.cdiff.toyworld.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MeanIntervalTest {

    @Test
    void identicalScoresLeaveNoRoomToMove() {
        MeanInterval ci = MeanInterval.bootstrap(new double[] {0.7, 0.7, 0.7, 0.7}, 0.9, 500, 1);
        assertEquals(0.7, ci.value(), 1e-12);
        assertEquals(0.7, ci.low(), 1e-12);
        assertEquals(0.7, ci.high(), 1e-12);
        assertEquals(4, ci.images());
    }

    @Test
    void coversTheMeanAndWidthFollowsTheSpreadOfTheScores() {
        SplittableRandom r = new SplittableRandom(3);
        double[] narrow = new double[24];
        double[] wide = new double[24];
        for (int i = 0; i < narrow.length; i++) {
            double u = r.nextDouble() - 0.5;
            narrow[i] = 0.8 + 0.05 * u;
            wide[i] = 0.8 + 0.5 * u;
        }
        MeanInterval a = MeanInterval.bootstrap(narrow, 0.9, 2000, 7);
        MeanInterval b = MeanInterval.bootstrap(wide, 0.9, 2000, 7);
        assertTrue(a.low() < a.value() && a.value() < a.high(), a.toString());
        assertTrue(b.low() < b.value() && b.value() < b.high(), b.toString());
        // ten times the spread of the scores, ten times the width of the interval (the same resamples)
        assertEquals(10.0, (b.high() - b.low()) / (a.high() - a.low()), 1e-6);
        // the normal approximation of a mean of 24 uniform scores of width 0.5: 1.645 * 0.5 / sqrt(12 * 24) = 0.048
        assertEquals(0.048, (b.high() - b.low()) / 2, 0.015);
    }

    @Test
    void theSameSeedGivesTheSameInterval() {
        double[] s = {0.1, 0.9, 0.4, 0.6, 0.3, 0.95, 0.2};
        assertEquals(MeanInterval.bootstrap(s, 0.9, 300, 11), MeanInterval.bootstrap(s, 0.9, 300, 11));
    }

    @Test
    void refusesWhatHasNoInterval() {
        assertThrows(IllegalArgumentException.class, () -> MeanInterval.bootstrap(new double[0], 0.9, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> MeanInterval.bootstrap(new double[] {1}, 1.0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> MeanInterval.bootstrap(new double[] {1}, 0.9, 0, 1));
        assertThrows(IllegalArgumentException.class,
            () -> MeanInterval.bootstrap(new double[] {0.5, Double.NaN}, 0.9, 10, 1));
    }
}

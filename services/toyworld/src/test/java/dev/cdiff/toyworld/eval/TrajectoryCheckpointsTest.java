package dev.cdiff.toyworld.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the evaluation's trajectory run is scored: evenly to twice the budget, the budget itself always included. */
class TrajectoryCheckpointsTest {
    @Test
    void theCommittedBudgetIsScoredEveryFiftyStepsToSixHundred() {
        assertEquals(List.of(50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600),
            List.copyOf(ToyEvaluation.trajectoryCheckpoints(300)));
    }

    @Test
    void aBudgetThatIsNoMultipleOfTheSpacingIsStillAmongTheCheckpoints() {
        // every 10 steps: 10, 20, ..., 130, and the budget 65 between 60 and 70
        List<Integer> c = List.copyOf(ToyEvaluation.trajectoryCheckpoints(65));
        assertEquals(14, c.size());
        assertEquals(10, c.get(0));
        assertEquals(List.of(60, 65, 70), c.subList(5, 8));
        assertEquals(130, c.get(c.size() - 1));
    }

    @Test
    void aTinyBudgetIsScoredAtEveryStep() {
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), List.copyOf(ToyEvaluation.trajectoryCheckpoints(4)));
    }
}

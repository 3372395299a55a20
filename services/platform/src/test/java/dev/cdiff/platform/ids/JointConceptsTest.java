package dev.cdiff.platform.ids;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JointConceptsTest {
    @Test
    void distinctTokensOfABoundedNumberOfConceptsMakeAJob() {
        assertTrue(JointConcepts.problem(List.of("<new1>")).isEmpty());
        assertTrue(JointConcepts.problem(List.of("<new1>", "<new2>")).isEmpty());
        assertTrue(JointConcepts.problem(List.of("<new7>", "<new3>", "<new12>", "<new1>")).isEmpty());
    }

    @Test
    void aSharedTokenIsNamed() {
        String problem = JointConcepts.problem(List.of("<new1>", "<new2>", "<new1>")).orElseThrow();
        assertTrue(problem.startsWith("concept 3's modifier token <new1> is already another concept's"), problem);
    }

    @Test
    void moreConceptsThanTheBoundAndNoneAreRefused() {
        assertTrue(JointConcepts.problem(List.of("<new1>", "<new2>", "<new3>", "<new4>", "<new5>")).orElseThrow()
                .contains("at most " + JointConcepts.MAX_CONCEPTS));
        assertFalse(JointConcepts.problem(List.of()).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "new1", "<new0>", "<new100>", "<New1>", "<new1 >", "<sks>", "<new1><new2>",
            "<new1>\n", "<new01>"})
    void tokensOutsideTheGrammarAreRefused(String token) {
        assertFalse(Ids.isModifierToken(token));
        assertTrue(JointConcepts.problem(List.of("<new1>", token)).orElseThrow().contains("<new1> to <new99>"));
    }

    @Test
    void defaultTokensFollowThePosition() {
        assertEquals("<new1>", JointConcepts.defaultToken(0));
        assertEquals("<new3>", JointConcepts.defaultToken(2));
    }
}

package dev.cdiff.training;

import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.TrainingRequested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worker's own check of a joint request that reached the topic without the orchestrator: every concept its own
 * token, and no more concepts than one run may learn, refused before any image is read.
 */
class JointRequestCheckTest {
    static TrainingRequested joint(String... tokens) {
        TrainingRequested one = TrainingQuotaRecheckTest.request("acme", 10, 2, 64, 3);
        List<ConceptSpec> concepts = new ArrayList<>();
        for (String token : tokens) {
            concepts.add(ConceptSpec.newBuilder(one.getConcepts().get(0)).setModifierToken(token)
                    .setCaptions(List.of("photo of a " + token + " dog")).build());
        }
        return TrainingRequested.newBuilder(one).setConcepts(concepts).build();
    }

    static JobRejected refused(TrainingRequested request) {
        return assertThrows(JobRejected.class,
                () -> TrainingPlan.check(request, TrainingQuotaRecheckTest.OWNERSHIP, Quotas.defaults()));
    }

    @Test
    void twoConceptsWithTheirOwnTokensPass() {
        assertDoesNotThrow(() -> TrainingPlan.check(joint("<new1>", "<new2>"), TrainingQuotaRecheckTest.OWNERSHIP,
                Quotas.defaults()));
    }

    @Test
    void conceptsSharingATokenAreRefused() {
        JobRejected e = refused(joint("<new1>", "<new1>"));
        assertEquals("INVALID_REQUEST", e.code());
        assertTrue(e.getMessage().contains("every concept needs its own token"), e.getMessage());
    }

    @Test
    void moreConceptsThanOneRunMayLearnAreRefused() {
        JobRejected e = refused(joint("<new1>", "<new2>", "<new3>", "<new4>", "<new5>"));
        assertEquals("INVALID_REQUEST", e.code());
        assertTrue(e.getMessage().contains("at most 4"), e.getMessage());
    }
}

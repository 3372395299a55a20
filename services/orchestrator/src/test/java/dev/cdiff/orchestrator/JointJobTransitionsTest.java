package dev.cdiff.orchestrator;

import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.JointConcept;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.RegularizationRequested;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingRequested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A joint job's way through the state machine: a class set per concept, then one training request for all. */
class JointJobTransitionsTest {
    final TestEvents job = new TestEvents("acme", "job-7");
    final JobTransitions transitions = new JobTransitions(OrchestratorSettings.defaults());

    ConceptSubmitted jointSubmitted(String... furtherTokens) {
        ConceptSubmitted first = job.submitted("ev-submitted", List.of(), null);
        List<JointConcept> further = new java.util.ArrayList<>();
        for (int i = 0; i < furtherTokens.length; i++) {
            further.add(JointConcept.newBuilder().setConceptId("concept-cat-" + i).setConceptName("my-cat")
                    .setClassWord("cat").setInitializerWord("pll").setModifierToken(furtherTokens[i])
                    .setImages(List.of(TestEvents.artifact("tenants/acme/images/", "cat" + i, ".png", "image/png")))
                    .setCaptions(List.of()).build());
        }
        return ConceptSubmitted.newBuilder(first).setModifierToken("<new1>").setAdditionalConcepts(further).build();
    }

    RegularizationReady ready(String eventId, RegularizationRequested answered, String setName) {
        return RegularizationReady.newBuilder(job.regularizationReady(eventId, answered.getEventId()))
                .setConceptId(answered.getConceptId()).setClassPrompt(answered.getClassPrompt())
                .setImages(List.of(TestEvents.artifact("shared/class-images/", setName, ".png", "image/png")))
                .setCaptions(List.of("a " + setName)).setClassSetDigest(TestEvents.sha(setName)).build();
    }

    @Test
    void everyConceptGetsItsClassSetAndOneRequestCarriesThemAll() {
        JobTransitions.Outcome submitted = transitions.apply(null, jointSubmitted("<new2>"), TestEvents.T0);
        assertEquals(JobStage.REGULARIZING, submitted.status().stage);
        assertEquals(2, submitted.emitted().size(), "one class-set request per concept");
        RegularizationRequested dogs = assertInstanceOf(RegularizationRequested.class, submitted.emitted().get(0));
        RegularizationRequested cats = assertInstanceOf(RegularizationRequested.class, submitted.emitted().get(1));
        assertEquals("dog", dogs.getClassWord());
        assertEquals("cat", cats.getClassWord());
        assertEquals("photo of a cat", cats.getClassPrompt());
        assertNotEquals(dogs.getEventId(), cats.getEventId());
        assertEquals(500, submitted.status().training.steps, "the reference's joint default");

        // the cat set arrives first: nothing is requested until the dog set is there too
        JobTransitions.Outcome catsReady = transitions.apply(submitted.status(), ready("ev-r-cat", cats, "cats"),
                TestEvents.T0.plusSeconds(1));
        assertEquals(JobStage.REGULARIZING, catsReady.status().stage);
        assertTrue(catsReady.scheduled().isEmpty() && catsReady.emitted().isEmpty());
        JobTransitions.Outcome again = transitions.apply(catsReady.status(), ready("ev-r-cat-2", cats, "cats"),
                TestEvents.T0.plusSeconds(2));
        assertTrue(again.scheduled().isEmpty(), "a second set for the same concept changes nothing");

        JobTransitions.Outcome dogsReady = transitions.apply(again.status(), ready("ev-r-dog", dogs, "dogs"),
                TestEvents.T0.plusSeconds(3));
        assertEquals(JobStage.QUEUED, dogsReady.status().stage);
        assertEquals(1, dogsReady.scheduled().size());
        TrainingRequested request = ScheduleCommand.decode(dogsReady.scheduled().get(0).request);
        assertEquals(2, request.getConcepts().size());
        assertEquals("<new1>", request.getConcepts().get(0).getModifierToken());
        assertEquals("<new2>", request.getConcepts().get(1).getModifierToken());
        assertEquals(List.of("photo of a <new2> cat"), request.getConcepts().get(1).getCaptions().stream()
                .distinct().toList(), "each concept's captions carry its own token");
        assertEquals(TestEvents.sha("dogs"), request.getConcepts().get(0).getRegularizationImages().get(0).getSha256());
        assertEquals(TestEvents.sha("cats"), request.getConcepts().get(1).getRegularizationImages().get(0).getSha256());
        assertEquals(500, request.getOptions().getSteps());
        assertTrue(dogsReady.status().regularization.images.isEmpty()
                && dogsReady.status().jointConcepts.get(0).regularization.images.isEmpty(),
                "the held sets are dropped once the request carries them");

        JobStatus training = transitions.apply(dogsReady.status(), request, TestEvents.T0.plusSeconds(4)).status();
        TrainingCompleted completed = TrainingCompleted.newBuilder(job.trainingCompleted("ev-done",
                request.getEventId())).setTokens(List.of("<new1>", "<new2>")).setClassWords(List.of("dog", "cat"))
                .build();
        JobTransitions.Outcome done = transitions.apply(training, completed, TestEvents.T0.plusSeconds(400));
        SampleRequested samples = assertInstanceOf(SampleRequested.class, done.emitted().get(0));
        assertTrue(samples.getPrompts().contains("photo of a <new1> dog and a <new2> cat"), samples.getPrompts().toString());
        assertEquals(List.of("<new1>", "<new2>"), done.status().delta.tokens);
    }

    @Test
    void aSetAnsweringNoRequestOfTheJobIsIgnored() {
        JobStatus status = transitions.apply(null, jointSubmitted("<new2>"), TestEvents.T0).status();
        RegularizationRequested stranger = RegularizationRequested.newBuilder((RegularizationRequested)
                transitions.apply(null, jointSubmitted("<new2>"), TestEvents.T0).emitted().get(0))
                .setEventId("not-ours").build();
        JobTransitions.Outcome outcome = transitions.apply(status, ready("ev-x", stranger, "x"), TestEvents.T0);
        assertEquals(JobStage.REGULARIZING, outcome.status().stage);
        assertTrue(outcome.scheduled().isEmpty());
    }

    @Test
    void aSubmissionWhoseConceptsShareATokenFailsTheJobNamingIt() {
        JobTransitions.Outcome outcome = transitions.apply(null, jointSubmitted("<new1>"), TestEvents.T0);
        assertEquals(JobStage.FAILED, outcome.status().stage);
        JobFailed failed = assertInstanceOf(JobFailed.class, outcome.emitted().get(0));
        assertTrue(failed.getReason().contains("<new1>") && failed.getReason().contains("own token"),
                failed.getReason());
        assertEquals("INVALID_JOINT_JOB", failed.getErrorClass());
    }

    @Test
    void aSubmissionOfTooManyConceptsFails() {
        JobTransitions.Outcome outcome = transitions.apply(null,
                jointSubmitted("<new2>", "<new3>", "<new4>", "<new5>"), TestEvents.T0);
        assertEquals(JobStage.FAILED, outcome.status().stage);
        assertTrue(outcome.status().error.reason.contains("at most 4"), outcome.status().error.reason);
    }

    @Test
    void singleConceptJobsKeepTheirStepsAndTokenOnlyRunsGetTheirOwnLearningRate() {
        JobStatus single = transitions.apply(null, job.submitted("ev-1", List.of(), null), TestEvents.T0).status();
        assertEquals(250, single.training.steps);
        assertEquals(1e-5, single.training.learningRate);
        assertEquals(null, single.jointConcepts);

        JobTransitions tokenOnly = new JobTransitions(OrchestratorSettings.fromMap(
                Map.of("orchestrator.training.mode", "token-only")));
        JobStatus ti = tokenOnly.apply(null, job.submitted("ev-1", List.of(), null), TestEvents.T0).status();
        assertEquals(5e-4, ti.training.learningRate, "textual inversion's own rate, not the K/V rate");
    }
}

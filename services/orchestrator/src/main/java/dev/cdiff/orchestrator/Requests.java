package dev.cdiff.orchestrator;

import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.RegularizationRequested;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingRequested;

import java.time.Instant;
import java.util.List;

/**
 * Builds the events the orchestrator emits. Each answers one incoming event: same tenant and job, causationId =
 * the incoming event's id, eventId derived from that id (see {@link DerivedIds}).
 */
final class Requests {
    private final OrchestratorSettings settings;

    Requests(OrchestratorSettings settings) {
        this.settings = settings;
    }

    String classPrompt(String classWord) {
        return Captions.fill(settings.classPromptTemplate(), settings.modifierToken(), classWord);
    }

    RegularizationRequested regularization(JobStatus job, EventEnvelope cause, Instant now) {
        return regularization(job, job.concept, job.regularization, 0, cause, now);
    }

    /**
     * The class-set request of one concept of a job; {@code index} 0 is the job's (first) concept, whose request
     * keeps the id a single-concept job always had, so recorded jobs replay to the same ids.
     */
    RegularizationRequested regularization(JobStatus job, JobStatus.Concept concept,
                                           JobStatus.Regularization regularization, int index, EventEnvelope cause,
                                           Instant now) {
        String type = index == 0 ? "RegularizationRequested" : "RegularizationRequested#" + (index + 1);
        return RegularizationRequested.newBuilder()
                .setEventId(DerivedIds.eventId(cause.eventId(), type))
                .setTenantId(job.tenantId)
                .setJobId(job.jobId)
                .setOccurredAt(now)
                .setCausationId(cause.eventId())
                .setConceptId(concept.conceptId)
                .setClassWord(concept.classWord)
                .setClassPrompt(regularization.classPrompt)
                .setMaxImages(settings.regularizationMaxImages())
                .setMinSimilarity(settings.regularizationMinSimilarity())
                .build();
    }

    /** Training options: the tenant's when the submission carried some, the configured defaults otherwise. */
    JobStatus.Training trainingPlan(String jobId, TrainingOptions requested, boolean joint) {
        JobStatus.Training plan = new JobStatus.Training();
        if (requested != null) {
            plan.steps = requested.getSteps();
            plan.batchSize = requested.getBatchSize();
            plan.learningRate = requested.getLearningRate();
            plan.priorLossWeight = requested.getPriorLossWeight();
            plan.resolution = requested.getResolution();
            plan.seed = requested.getSeed();
            plan.mode = requested.getMode();
            plan.progressEverySteps = requested.getProgressEverySteps();
            plan.checkpointEverySteps = requested.getCheckpointEverySteps();
        } else {
            plan.steps = joint ? settings.jointTrainingSteps() : settings.trainingSteps();
            plan.batchSize = settings.trainingBatchSize();
            plan.learningRate = "token-only".equals(settings.trainingMode()) ? settings.tokenOnlyLearningRate()
                    : settings.trainingLearningRate();
            plan.priorLossWeight = settings.trainingPriorLossWeight();
            plan.resolution = settings.trainingResolution();
            plan.seed = DerivedIds.seed(jobId, "training");
            plan.mode = settings.trainingMode();
            plan.progressEverySteps = settings.progressEverySteps();
            plan.checkpointEverySteps = settings.checkpointEverySteps();
        }
        plan.baseModel = settings.baseModel();
        plan.baseModelDigest = settings.baseModelDigest();
        return plan;
    }

    TrainingRequested training(JobStatus job, RegularizationReady ready, EventEnvelope cause, Instant now) {
        return training(job, List.of(spec(job.concept, ready.getImages(), ready.getCaptions())), cause, now);
    }

    /** The request of a joint job: every concept with the class set held for it. */
    TrainingRequested jointTraining(JobStatus job, EventEnvelope cause, Instant now) {
        List<ConceptSpec> specs = new java.util.ArrayList<>();
        specs.add(spec(job.concept, Artifacts.toEvent(job.regularization.images), job.regularization.captions));
        for (JobStatus.Concept c : job.jointConcepts) {
            specs.add(spec(c, Artifacts.toEvent(c.regularization.images), c.regularization.captions));
        }
        return training(job, specs, cause, now);
    }

    private ConceptSpec spec(JobStatus.Concept concept, List<dev.cdiff.schemas.events.ArtifactRef> regImages,
                             List<String> regCaptions) {
        return ConceptSpec.newBuilder()
                .setConceptId(concept.conceptId)
                .setConceptName(concept.conceptName)
                .setModifierToken(concept.modifierToken)
                .setClassWord(concept.classWord)
                .setInitializerWord(concept.initializerWord)
                .setImages(Artifacts.toEvent(concept.images))
                .setCaptions(Captions.instanceCaptions(concept.captions, concept.images.size(),
                        settings.captionTemplate(), concept.modifierToken, concept.classWord))
                .setRegularizationImages(regImages)
                .setRegularizationCaptions(regCaptions)
                .build();
    }

    private TrainingRequested training(JobStatus job, List<ConceptSpec> specs, EventEnvelope cause, Instant now) {
        JobStatus.Training plan = job.training;
        TrainingOptions options = TrainingOptions.newBuilder()
                .setSteps(plan.steps)
                .setBatchSize(plan.batchSize)
                .setLearningRate(plan.learningRate)
                .setPriorLossWeight(plan.priorLossWeight)
                .setResolution(plan.resolution)
                .setSeed(plan.seed)
                .setMode(plan.mode)
                .setProgressEverySteps(plan.progressEverySteps)
                .setCheckpointEverySteps(plan.checkpointEverySteps)
                .build();
        return TrainingRequested.newBuilder()
                .setEventId(DerivedIds.eventId(cause.eventId(), "TrainingRequested"))
                .setTenantId(job.tenantId)
                .setJobId(job.jobId)
                .setOccurredAt(now)
                .setCausationId(cause.eventId())
                .setBaseModel(plan.baseModel)
                .setBaseModelDigest(plan.baseModelDigest)
                .setConcepts(specs)
                .setOptions(options)
                .build();
    }

    /** Null when no sample prompts are configured: the job is then done once training is. */
    SampleRequested samples(JobStatus job, TrainingCompleted completed, EventEnvelope cause, Instant now) {
        if (settings.samplePromptTemplates().isEmpty()) {
            return null;
        }
        String token = job.concept.modifierToken;
        String classWord = job.concept.classWord;
        List<String> prompts = new java.util.ArrayList<>(settings.samplePromptTemplates().stream()
                .map(template -> Captions.fill(template, token, classWord))
                .toList());
        if (job.jointConcepts != null) {
            // a joint delta is for composing: one prompt naming every concept, as the paper samples its pairs
            StringBuilder all = new StringBuilder(Captions.fill(settings.samplePromptTemplates().get(0), token,
                    classWord));
            for (JobStatus.Concept c : job.jointConcepts) {
                all.append(" and a ").append(c.modifierToken).append(' ').append(c.classWord);
            }
            prompts.add(all.toString());
        }
        return SampleRequested.newBuilder()
                .setEventId(DerivedIds.eventId(cause.eventId(), "SampleRequested"))
                .setTenantId(job.tenantId)
                .setJobId(job.jobId)
                .setOccurredAt(now)
                .setCausationId(cause.eventId())
                .setDelta(completed.getDelta())
                .setPrompts(prompts)
                .setNegativePrompt(settings.sampleNegativePrompt())
                .setSteps(settings.sampleSteps())
                .setGuidanceScale(settings.sampleGuidanceScale())
                .setScheduler(settings.sampleScheduler())
                .setSeed(DerivedIds.seed(job.jobId, "sampling"))
                .setImagesPerPrompt(settings.sampleImagesPerPrompt())
                .build();
    }

    JobFailed failure(JobStatus job, EventEnvelope cause, Instant now) {
        return JobFailed.newBuilder()
                .setEventId(DerivedIds.eventId(cause.eventId(), "JobFailed"))
                .setTenantId(job.tenantId)
                .setJobId(job.jobId)
                .setOccurredAt(now)
                .setCausationId(cause.eventId())
                .setStage(job.error.stage)
                .setReason(job.error.reason)
                .setErrorClass(job.error.errorClass)
                .build();
    }
}

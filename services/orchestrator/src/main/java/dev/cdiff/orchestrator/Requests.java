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
        return RegularizationRequested.newBuilder()
                .setEventId(DerivedIds.eventId(cause.eventId(), "RegularizationRequested"))
                .setTenantId(job.tenantId)
                .setJobId(job.jobId)
                .setOccurredAt(now)
                .setCausationId(cause.eventId())
                .setConceptId(job.concept.conceptId)
                .setClassWord(job.concept.classWord)
                .setClassPrompt(job.regularization.classPrompt)
                .setMaxImages(settings.regularizationMaxImages())
                .setMinSimilarity(settings.regularizationMinSimilarity())
                .build();
    }

    /** Training options: the tenant's when the submission carried some, the configured defaults otherwise. */
    JobStatus.Training trainingPlan(String jobId, TrainingOptions requested) {
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
            plan.steps = settings.trainingSteps();
            plan.batchSize = settings.trainingBatchSize();
            plan.learningRate = settings.trainingLearningRate();
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
        JobStatus.Concept concept = job.concept;
        ConceptSpec spec = ConceptSpec.newBuilder()
                .setConceptId(concept.conceptId)
                .setConceptName(concept.conceptName)
                .setModifierToken(concept.modifierToken)
                .setClassWord(concept.classWord)
                .setInitializerWord(concept.initializerWord)
                .setImages(Artifacts.toEvent(concept.images))
                .setCaptions(Captions.instanceCaptions(concept.captions, concept.images.size(),
                        settings.captionTemplate(), concept.modifierToken, concept.classWord))
                .setRegularizationImages(ready.getImages())
                .setRegularizationCaptions(ready.getCaptions())
                .build();
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
                .setConcepts(List.of(spec))
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
        List<String> prompts = settings.samplePromptTemplates().stream()
                .map(template -> Captions.fill(template, token, classWord))
                .toList();
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

package dev.cdiff.orchestrator;

import dev.cdiff.platform.ids.JointConcepts;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.ids.InvalidIdException;
import dev.cdiff.platform.quota.QuotaViolation;
import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.schemas.events.ConceptRejected;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.JointConcept;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.DeadLetter;
import dev.cdiff.schemas.events.IngestionRequested;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.MergeCompleted;
import dev.cdiff.schemas.events.MergeRequested;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.SamplesGenerated;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingFailed;
import dev.cdiff.schemas.events.TrainingProgress;
import dev.cdiff.schemas.events.TrainingRequested;
import org.apache.avro.specific.SpecificRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;

/**
 * The job state machine as a pure function: (stored status, incoming event, now) to (status to store, events to
 * emit). Kafka-free so every rule is visible in one place; {@link JobStateProcessor} applies it against the store.
 *
 * <p>Rules that keep replays and redeliveries harmless: an event id the job already saw changes nothing; an event
 * for a stage the job is not in is recorded as ignored and emits nothing; an event for an unknown job only counts
 * when it can start a job (IngestionRequested, ConceptSubmitted, ConceptRejected, MergeRequested,
 * SampleRequested, JobFailed), otherwise it is dropped without creating state.
 */
public final class JobTransitions {

    /**
     * @param status what to store, or null to leave the store untouched
     * @param emitted events to publish, in order
     * @param dropped why the event was dropped without touching the job, or null
     * @param scheduled commands for the training scheduler, in order
     */
    public record Outcome(JobStatus status, List<SpecificRecord> emitted, String dropped,
                          List<ScheduleCommand> scheduled) {
        static Outcome drop(String why) {
            return new Outcome(null, List.of(), why, List.of());
        }
    }

    private final OrchestratorSettings settings;
    private final Quotas quotas;
    private final Requests requests;

    public JobTransitions(OrchestratorSettings settings, Quotas quotas) {
        this.settings = settings;
        this.quotas = quotas;
        this.requests = new Requests(settings);
    }

    public JobTransitions(OrchestratorSettings settings) {
        this(settings, Quotas.defaults());
    }

    public Outcome apply(JobStatus current, SpecificRecord event, Instant now) {
        EventEnvelope in = EventEnvelope.of(event);
        if (in.eventId() == null || in.jobId() == null || in.tenantId() == null) {
            return Outcome.drop(in.type() + " without eventId, jobId or tenantId");
        }
        if (current != null) {
            if (current.hasSeen(in.eventId())) {
                return Outcome.drop("duplicate event " + in.eventId());
            }
            if (!current.tenantId.equals(in.tenantId())) {
                return Outcome.drop(in.type() + " " + in.eventId() + " names tenant " + in.tenantId()
                        + " but job " + current.jobId + " belongs to another tenant");
            }
        }
        Step step = new Step(current, in, now);
        if (event instanceof IngestionRequested e) {
            onIngestionRequested(step, e);
        } else if (event instanceof ConceptSubmitted e) {
            onConceptSubmitted(step, e);
        } else if (event instanceof ConceptRejected e) {
            onConceptRejected(step, e);
        } else if (event instanceof RegularizationReady e) {
            onRegularizationReady(step, e);
        } else if (event instanceof TrainingProgress e) {
            onTrainingProgress(step, e);
        } else if (event instanceof TrainingCompleted e) {
            onTrainingCompleted(step, e);
        } else if (event instanceof TrainingFailed e) {
            onTrainingFailed(step, e);
        } else if (event instanceof SampleRequested e) {
            onSampleRequested(step, e);
        } else if (event instanceof SamplesGenerated e) {
            onSamplesGenerated(step, e);
        } else if (event instanceof MergeRequested e) {
            onMergeRequested(step, e);
        } else if (event instanceof MergeCompleted e) {
            onMergeCompleted(step, e);
        } else if (event instanceof JobFailed e) {
            onJobFailed(step, e);
        } else if (event instanceof TrainingRequested e) {
            onTrainingRequested(step, e);
        } else {
            return Outcome.drop("the orchestrator does not handle " + in.type());
        }
        return step.outcome();
    }

    private void onIngestionRequested(Step step, IngestionRequested e) {
        if (step.job != null) {
            step.ignore("job already exists");
            return;
        }
        JobStatus job = step.create(JobKind.CONCEPT, JobStage.INGESTING);
        job.concept = new JobStatus.Concept();
        job.concept.conceptName = e.getConceptName();
        job.concept.classWord = e.getClassWord();
        job.concept.initializerWord = e.getInitializerWord();
    }

    private void onConceptSubmitted(Step step, ConceptSubmitted e) {
        if (step.job != null && step.job.stage != JobStage.INGESTING) {
            step.ignore("concept already submitted; job is " + step.job.stage);
            return;
        }
        JobStatus job = step.job != null ? step.job : step.create(JobKind.CONCEPT, JobStage.INGESTING);
        JobStatus.Concept concept = concept(e.getConceptId(), e.getConceptName(), e.getClassWord(),
                e.getInitializerWord(), e.getModifierToken() != null ? e.getModifierToken() : settings.modifierToken(),
                e.getImages(), e.getCaptions());
        concept.source = e.getSource();
        job.concept = concept;
        job.regularization = new JobStatus.Regularization();
        job.regularization.classPrompt = requests.classPrompt(concept.classWord);
        boolean joint = !e.getAdditionalConcepts().isEmpty();
        job.training = requests.trainingPlan(job.jobId, e.getTraining(), joint);
        if (joint) {
            job.jointConcepts = new ArrayList<>();
            for (JointConcept more : e.getAdditionalConcepts()) {
                JobStatus.Concept c = concept(more.getConceptId(), more.getConceptName(), more.getClassWord(),
                        more.getInitializerWord(), more.getModifierToken(), more.getImages(), more.getCaptions());
                c.source = e.getSource();
                c.regularization = new JobStatus.Regularization();
                c.regularization.classPrompt = requests.classPrompt(c.classWord);
                job.jointConcepts.add(c);
            }
            // ingestion checked these; a ConceptSubmitted written to the topic by anyone else did not pass it
            List<String> tokens = new ArrayList<>();
            tokens.add(concept.modifierToken);
            job.jointConcepts.forEach(c -> tokens.add(c.modifierToken));
            Optional<String> problem = JointConcepts.problem(tokens);
            if (problem.isPresent()) {
                step.fail("ingestion", problem.get(), "INVALID_JOINT_JOB", false, null);
                step.emit(requests.failure(job, step.in, step.now));
                return;
            }
        }
        if (refusedByQuota(step)) {
            // refused before any work is spent on it: no regularization set is retrieved for a run never made
            return;
        }
        step.enter(JobStage.REGULARIZING);
        job.regularization.requestEventId = step.emit(requests.regularization(job, step.in, step.now));
        if (joint) {
            // one class set per concept, retrieved independently (and shared through retrieval's cache when two
            // concepts have the same class); training is requested once all of them are ready
            for (int i = 0; i < job.jointConcepts.size(); i++) {
                JobStatus.Concept c = job.jointConcepts.get(i);
                c.regularization.requestEventId = step.emit(requests.regularization(job, c, c.regularization, i + 1,
                        step.in, step.now));
            }
        }
    }

    private JobStatus.Concept concept(String conceptId, String name, String classWord, String initializer,
                                      String token, List<ArtifactRef> images, List<String> captions) {
        JobStatus.Concept concept = new JobStatus.Concept();
        concept.conceptId = conceptId;
        concept.conceptName = name;
        concept.classWord = classWord;
        concept.modifierToken = token;
        concept.initializerWord = initializer == null || initializer.isBlank()
                ? settings.defaultInitializerWord() : initializer;
        concept.images = Artifacts.toStatus(images);
        concept.captions = new ArrayList<>(captions);
        return concept;
    }

    private void onConceptRejected(Step step, ConceptRejected e) {
        if (step.job != null && step.job.stage != JobStage.INGESTING) {
            step.ignore("rejection after the job left ingestion; job is " + step.job.stage);
            return;
        }
        if (step.job == null) {
            step.create(JobKind.CONCEPT, JobStage.INGESTING);
        }
        step.fail("ingestion", e.getReason(), e.getReasonCode(), null, e.getOffendingItems());
        step.emit(requests.failure(step.job, step.in, step.now));
    }

    private void onRegularizationReady(Step step, RegularizationReady e) {
        if (!step.requireStage(JobStage.REGULARIZING)) {
            return;
        }
        JobStatus job = step.job;
        if (job.jointConcepts != null) {
            onJointRegularizationReady(step, e);
            return;
        }
        job.regularization.origin = e.getOrigin();
        job.regularization.classSetDigest = e.getClassSetDigest();
        job.regularization.imageCount = e.getImages().size();
        // checked again where the work is requested: the caps may have been lowered since the submission
        if (refusedByQuota(step)) {
            return;
        }
        step.enter(JobStage.QUEUED);
        TrainingRequested request = requests.training(job, e, step.in, step.now);
        job.training.requestEventId = request.getEventId();
        step.scheduled.add(ScheduleCommand.enqueue(request));
    }

    /** Holds one concept's class set; the last one to arrive makes the job's single training request. */
    private void onJointRegularizationReady(Step step, RegularizationReady e) {
        JobStatus job = step.job;
        List<JobStatus.Regularization> sets = new ArrayList<>();
        sets.add(job.regularization);
        job.jointConcepts.forEach(c -> sets.add(c.regularization));
        JobStatus.Regularization answered = null;
        for (JobStatus.Regularization set : sets) {
            if (set.requestEventId != null && set.requestEventId.equals(e.getCausationId())) {
                answered = set;
            }
        }
        if (answered == null) {
            step.ignore("answers no class-set request of this job (causation " + e.getCausationId() + ")");
            return;
        }
        if (answered.images != null) {
            step.ignore("this concept's class set is already held");
            return;
        }
        if (e.getCaptions().size() != 0 && e.getCaptions().size() != e.getImages().size()) {
            step.fail("regularization", "the class set has " + e.getImages().size() + " images but "
                    + e.getCaptions().size() + " captions", "INVALID_CLASS_SET", false, null);
            step.emit(requests.failure(job, step.in, step.now));
            return;
        }
        answered.origin = e.getOrigin();
        answered.classSetDigest = e.getClassSetDigest();
        answered.imageCount = e.getImages().size();
        answered.images = Artifacts.toStatus(e.getImages());
        answered.captions = new ArrayList<>(e.getCaptions());
        if (sets.stream().anyMatch(set -> set.images == null)) {
            return;
        }
        if (refusedByQuota(step)) {
            return;
        }
        step.enter(JobStage.QUEUED);
        TrainingRequested request = requests.jointTraining(job, step.in, step.now);
        job.training.requestEventId = request.getEventId();
        step.scheduled.add(ScheduleCommand.enqueue(request));
        // the request carries the sets now; the job's state stays small
        for (JobStatus.Regularization set : sets) {
            set.images = List.of();
            set.captions = List.of();
        }
    }

    /** Ends the job with a JobFailed naming every cap its training plan breaks; false when it fits its quota. */
    private boolean refusedByQuota(Step step) {
        JobStatus job = step.job;
        List<Integer> imageCounts = new ArrayList<>();
        imageCounts.add(job.concept.images.size());
        if (job.jointConcepts != null) {
            job.jointConcepts.forEach(c -> imageCounts.add(c.images.size()));
        }
        List<QuotaViolation> violations = quotas.forTenant(job.tenantId).checkTraining(job.training.steps,
                job.training.resolution, job.training.batchSize, imageCounts);
        if (violations.isEmpty()) {
            return false;
        }
        step.fail("quota", QuotaViolation.describe(violations), QuotaViolation.ERROR_CLASS, false, null);
        step.emit(requests.failure(job, step.in, step.now));
        return true;
    }

    /**
     * The scheduler released the job's request: training starts now, and the stage's clock with it. The request
     * is this orchestrator's own, so the history shows it as emitted. A TrainingRequested the orchestrator did
     * not make (written to the topic by someone else) changes nothing here.
     */
    private void onTrainingRequested(Step step, TrainingRequested e) {
        if (step.job == null) {
            step.dropped = "TrainingRequested " + e.getEventId() + " for unknown job " + e.getJobId();
            return;
        }
        boolean own = step.job.training != null && e.getEventId().equals(step.job.training.requestEventId);
        if (!own) {
            step.ignore("not the training request this orchestrator made for the job");
            return;
        }
        step.ownRequest = true;
        if (step.job.stage != JobStage.QUEUED) {
            step.ignore("job is " + step.job.stage + ", not QUEUED");
            return;
        }
        step.enter(JobStage.TRAINING);
    }

    /** A worker answered before the released request was read back: the job has started all the same. */
    private static void startedIfQueued(Step step) {
        if (step.job != null && step.job.stage == JobStage.QUEUED) {
            step.enter(JobStage.TRAINING);
        }
    }

    private void onTrainingProgress(Step step, TrainingProgress e) {
        step.progressOnly = true;
        startedIfQueued(step);
        if (!step.requireStage(JobStage.TRAINING)) {
            return;
        }
        JobStatus.Progress last = step.job.progress;
        if (last != null && e.getStep() <= last.step) {
            // progress keeps no event ids (there may be 100,000 of them): a step already recorded is the duplicate test
            step.ignore(e.getStep() == last.step ? "step " + last.step + " already recorded"
                    : "older than the progress already recorded (step " + last.step + ")");
            return;
        }
        JobStatus.Progress progress = new JobStatus.Progress();
        progress.step = e.getStep();
        progress.totalSteps = e.getTotalSteps();
        progress.loss = e.getLoss();
        progress.elapsedMillis = e.getElapsedMillis();
        progress.checkpointKey = e.getCheckpoint() != null ? e.getCheckpoint().getKey()
                : last != null ? last.checkpointKey : null;
        progress.receivedAt = step.now.toString();
        step.job.progress = progress;
        if (step.job.lossCurve == null) {
            step.job.lossCurve = new JobStatus.LossCurve();
        }
        step.job.lossCurve.add(e.getStep(), e.getLoss());
    }

    private void onTrainingCompleted(Step step, TrainingCompleted e) {
        startedIfQueued(step);
        if (!step.requireStage(JobStage.TRAINING)) {
            return;
        }
        JobStatus job = step.job;
        JobStatus.Delta delta = new JobStatus.Delta();
        delta.artifact = Artifacts.toStatus(e.getDelta());
        delta.tokens = new ArrayList<>(e.getTokens());
        delta.classWords = new ArrayList<>(e.getClassWords());
        delta.steps = e.getSteps();
        delta.finalLoss = e.getFinalLoss();
        delta.durationMillis = e.getDurationMillis();
        job.delta = delta;
        SampleRequested sample = requests.samples(job, e, step.in, step.now);
        if (sample == null) {
            step.enter(JobStage.DONE);
            return;
        }
        step.enter(JobStage.SAMPLING);
        job.samples = new JobStatus.Samples();
        job.samples.requestedPrompts = new ArrayList<>(sample.getPrompts());
        job.samples.seed = sample.getSeed();
        job.samples.requestEventId = step.emit(sample);
    }

    private void onTrainingFailed(Step step, TrainingFailed e) {
        startedIfQueued(step);
        if (!step.requireStage(JobStage.TRAINING)) {
            return;
        }
        step.fail("training", e.getReason(), e.getErrorClass(), e.getRetryable(), null);
        step.emit(requests.failure(step.job, step.in, step.now));
    }

    private void onSampleRequested(Step step, SampleRequested e) {
        if (step.job != null) {
            step.ignore("sampling request from elsewhere for an existing job");
            return;
        }
        JobStatus job = step.create(JobKind.SAMPLE, JobStage.SAMPLING);
        job.samples = new JobStatus.Samples();
        job.samples.requestEventId = step.in.eventId();
        job.samples.requestedPrompts = new ArrayList<>(e.getPrompts());
        job.samples.seed = e.getSeed();
        if (e.getDelta() != null) {
            job.delta = new JobStatus.Delta();
            job.delta.artifact = Artifacts.toStatus(e.getDelta());
        }
    }

    private void onSamplesGenerated(Step step, SamplesGenerated e) {
        if (!step.requireStage(JobStage.SAMPLING)) {
            return;
        }
        JobStatus.Samples samples = step.job.samples;
        samples.images = Artifacts.toStatus(e.getImages());
        samples.prompts = new ArrayList<>(e.getPrompts());
        samples.seed = e.getSeed();
        samples.durationMillis = e.getDurationMillis();
        step.enter(JobStage.DONE);
    }

    private void onMergeRequested(Step step, MergeRequested e) {
        if (step.job != null) {
            step.ignore("job already exists");
            return;
        }
        JobStatus job = step.create(JobKind.MERGE, JobStage.MERGING);
        job.merge = new JobStatus.Merge();
        job.merge.outputName = e.getOutputName();
        job.merge.regularizationCaptions = e.getRegularizationCaptions();
        job.merge.sourceDigests = new ArrayList<>(e.getDeltas().stream().map(d -> d.getSha256()).toList());
        job.merge.classSetDigests = new ArrayList<>(e.getClassSetDigests());
    }

    private void onMergeCompleted(Step step, MergeCompleted e) {
        if (!step.requireStage(JobStage.MERGING)) {
            return;
        }
        JobStatus.Merge merge = step.job.merge;
        merge.merged = Artifacts.toStatus(e.getMerged());
        merge.tokens = new ArrayList<>(e.getTokens());
        merge.classWords = new ArrayList<>(e.getClassWords());
        merge.sourceDigests = new ArrayList<>(e.getSourceDigests());
        merge.durationMillis = e.getDurationMillis();
        if (e.getRegularizationCaptionSet() != null) {
            merge.captionSet = Artifacts.toStatus(e.getRegularizationCaptionSet());
            merge.captionSource = e.getRegularizationCaptionSource();
            merge.captionCount = e.getRegularizationCaptionCount();
        }
        if (e.getDiagnostics() != null) {
            merge.diagnostics = Artifacts.toStatus(e.getDiagnostics());
        }
        step.enter(JobStage.DONE);
    }

    private void onJobFailed(Step step, JobFailed e) {
        if (step.job != null && step.job.stage.isFinal()) {
            step.ignore("job already " + step.job.stage);
            return;
        }
        if (step.job == null) {
            JobKind kind = switch (e.getStage()) {
                case "merging" -> JobKind.MERGE;
                case "sampling" -> JobKind.SAMPLE;
                default -> JobKind.CONCEPT;
            };
            step.create(kind, JobStage.FAILED);
        }
        step.fail(e.getStage(), e.getReason(), e.getErrorClass(), null, null);
    }

    /**
     * A record some service (or this orchestrator) dead-lettered. It ends the job it belongs to with a JobFailed
     * naming the service, the record and the reason. The job is the record key (records are keyed by job id);
     * the envelope's own job and tenant, when the original could be decoded, must agree with the key and the job,
     * so a letter cannot end another tenant's job. An undecodable original has no tenant: the job's own is used.
     * Dead letters of progress reports are only recorded: a lost progress report leaves the training running.
     */
    public Outcome applyDeadLetter(JobStatus current, String key, DeadLetter letter, Instant now) {
        try {
            Ids.jobId("dead-letter key", key);
        } catch (InvalidIdException e) {
            return Outcome.drop("dead letter " + letter.getEventId() + " has no usable job key: " + e.getMessage());
        }
        if (letter.getJobId() != null && !letter.getJobId().equals(key)) {
            return Outcome.drop("dead letter " + letter.getEventId() + " is keyed " + key + " but names job "
                    + letter.getJobId());
        }
        if (current == null) {
            return Outcome.drop("dead letter " + letter.getEventId() + " for unknown job " + key);
        }
        if (letter.getTenantId() != null && !letter.getTenantId().equals(current.tenantId)) {
            return Outcome.drop("dead letter " + letter.getEventId() + " names tenant " + letter.getTenantId()
                    + " but job " + key + " belongs to another tenant");
        }
        if (current.hasSeen(letter.getEventId())) {
            return Outcome.drop("duplicate dead letter " + letter.getEventId());
        }
        EventEnvelope in = new EventEnvelope("DeadLetter", letter.getEventId(), current.tenantId, key,
                letter.getFailedAt(), letter.getOriginalEventId());
        Step step = new Step(current, in, now);
        if (current.stage.isFinal()) {
            step.ignore("job already " + current.stage);
        } else if (letter.getOriginalTopic().endsWith(dev.cdiff.platform.Topics.TRAINING_PROGRESS)) {
            step.ignore("a lost progress report does not stop the training");
        } else {
            String stage = current.stage.name().toLowerCase(Locale.ROOT);
            step.fail(stage, "dead-lettered by " + letter.getService() + " (" + letter.getOriginalTopic() + "-"
                    + letter.getOriginalPartition() + "@" + letter.getOriginalOffset() + ", after "
                    + letter.getAttempts() + " attempt(s)): " + letter.getErrorMessage(), letter.getErrorClass(),
                    null, null);
            step.job.error.revivableStage = stage;
            step.emit(requests.failure(step.job, step.in, step.now));
        }
        return step.outcome();
    }

    /**
     * Ends a job that has been in its stage longer than the stage's timeout without news (for training, news is
     * a progress report), with a JobFailed naming the stage; null when the job is final or still in time.
     */
    public Outcome applyTimeouts(JobStatus job, JobLifecycle lifecycle, Instant now) {
        if (job == null || job.stage.isFinal()) {
            return null;
        }
        Duration timeout = lifecycle.timeoutOf(job.stage);
        Instant since = lastNews(job);
        if (timeout == null || since == null || !now.isAfter(since.plus(timeout))) {
            return null;
        }
        String stage = job.stage.name().toLowerCase(Locale.ROOT);
        EventEnvelope in = new EventEnvelope("StageTimeout",
                DerivedIds.eventId(job.jobId + "/" + job.stage + "/" + since, "StageTimeout"), job.tenantId,
                job.jobId, now, null);
        Step step = new Step(job, in, now);
        String entered = job.stageEnteredAt.get(job.stage.name());
        step.fail(stage, "stage " + stage + " timed out: no news for " + lifecycle.describe(timeout) + " (stage entered "
                + entered + ", last news " + since + ")", "StageTimeout", null, null);
        step.job.error.revivableStage = stage;
        step.emit(requests.failure(step.job, step.in, step.now));
        return step.outcome();
    }

    /** Whether the job is finished and was last touched longer ago than the retention. */
    public static boolean expired(JobStatus job, Duration retention, Instant now) {
        if (job == null || job.stage == null || !job.stage.isFinal() || job.updatedAt == null) {
            return false;
        }
        return now.isAfter(Instant.parse(job.updatedAt).plus(retention));
    }

    private static Instant lastNews(JobStatus job) {
        String entered = job.stageEnteredAt.get(job.stage.name());
        Instant since = entered == null ? null : Instant.parse(entered);
        if (job.stage == JobStage.TRAINING && job.progress != null && job.progress.receivedAt != null) {
            Instant progress = Instant.parse(job.progress.receivedAt);
            if (since == null || progress.isAfter(since)) {
                since = progress;
            }
        }
        return since;
    }

    /** One event's effect on one job, accumulated while the handler runs. */
    private static final class Step {
        final EventEnvelope in;
        final Instant now;
        /** Where the job was before this event: leaving QUEUED or TRAINING frees a place at the scheduler. */
        final JobStage startStage;
        final List<ScheduleCommand> scheduled = new ArrayList<>();
        /** The event is this orchestrator's own request, released by the scheduler and read back. */
        boolean ownRequest;
        String ignored;
        JobStatus job;
        final List<SpecificRecord> emitted = new ArrayList<>();
        String dropped;
        /** Progress reports are counted and curved, not kept one by one in the history. */
        boolean progressOnly;

        Step(JobStatus job, EventEnvelope in, Instant now) {
            this.job = job;
            this.startStage = job == null ? null : job.stage;
            this.in = in;
            this.now = now;
        }

        JobStatus create(JobKind kind, JobStage stage) {
            job = new JobStatus();
            job.jobId = in.jobId();
            job.tenantId = in.tenantId();
            job.kind = kind;
            job.createdAt = now.toString();
            enter(stage);
            return job;
        }

        void enter(JobStage stage) {
            job.stage = stage;
            job.stageEnteredAt.put(stage.name(), now.toString());
        }

        void fail(String stage, String reason, String errorClass, Boolean retryable, List<String> offendingItems) {
            JobStatus.JobError error = new JobStatus.JobError();
            error.stage = stage;
            error.reason = reason;
            error.errorClass = errorClass;
            error.eventId = in.eventId();
            error.retryable = retryable;
            error.offendingItems = offendingItems == null ? null : new ArrayList<>(offendingItems);
            job.error = error;
            enter(JobStage.FAILED);
        }

        /** True when the job exists and is in {@code stage}; otherwise records why the event is ignored. */
        boolean requireStage(JobStage stage) {
            if (job == null) {
                dropped = in.type() + " " + in.eventId() + " for unknown job " + in.jobId();
                return false;
            }
            if (job.stage == JobStage.FAILED && job.error != null
                    && stage.name().toLowerCase(Locale.ROOT).equals(job.error.revivableStage)) {
                // the orchestrator gave up on this stage (dead letter, timeout) but its work finished after all,
                // e.g. a replayed dead letter: the job goes on from where it was
                job.error = null;
                enter(stage);
                return true;
            }
            if (job.stage != stage) {
                ignore("job is " + job.stage + ", not " + stage);
                return false;
            }
            return true;
        }

        void ignore(String why) {
            ignored = why;
        }

        String emit(SpecificRecord event) {
            emitted.add(event);
            return EventEnvelope.of(event).eventId();
        }

        Outcome outcome() {
            if (job == null) {
                return Outcome.drop(dropped != null ? dropped : in.type() + " " + in.eventId() + " started nothing");
            }
            if (progressOnly && emitted.isEmpty() && startStage != JobStage.QUEUED) {
                job.count("in " + in.type() + (ignored == null ? "" : " (ignored)"));
            } else {
                job.record(historyEntry(in, ownRequest ? "out" : "in", ignored));
            }
            for (SpecificRecord event : emitted) {
                job.record(historyEntry(EventEnvelope.of(event), "out", null));
            }
            if (holdsPlace(startStage) && !holdsPlace(job.stage)) {
                scheduled.add(ScheduleCommand.release(job.tenantId, job.jobId));
            }
            job.updatedAt = now.toString();
            return new Outcome(job, List.copyOf(emitted), null, List.copyOf(scheduled));
        }
    }

    private static boolean holdsPlace(JobStage stage) {
        return stage == JobStage.QUEUED || stage == JobStage.TRAINING;
    }

    private static JobStatus.HistoryEntry historyEntry(EventEnvelope event, String direction, String ignored) {
        JobStatus.HistoryEntry entry = new JobStatus.HistoryEntry();
        entry.direction = direction;
        entry.type = event.type();
        entry.eventId = event.eventId();
        entry.occurredAt = event.occurredAt() == null ? null : event.occurredAt().toString();
        entry.causationId = event.causationId();
        entry.ignored = ignored;
        return entry;
    }
}

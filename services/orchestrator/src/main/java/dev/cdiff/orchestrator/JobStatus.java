package dev.cdiff.orchestrator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the orchestrator knows about one job: the state-store value and the HTTP status document.
 * It also carries what later requests need (the concept's images and captions, the resolved training options),
 * so no earlier event has to be re-read. Times are ISO-8601 UTC strings.
 *
 * <p>Bounded whatever the job does: a changelog record over the broker's limit would kill the stream thread.
 * Training progress keeps only the latest report and a {@link LossCurve} of at most {@value LossCurve#MAX_POINTS}
 * points; the history keeps the last {@value #MAX_HISTORY} entries, {@link #eventCounts} counts everything.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class JobStatus {
    public String jobId;
    public String tenantId;
    public JobKind kind;
    public JobStage stage;
    public String createdAt;
    public String updatedAt;
    /** Stage name to the time the job entered it. */
    public Map<String, String> stageEnteredAt = new LinkedHashMap<>();

    public Concept concept;
    /**
     * The further concepts of a joint job (learned with {@link #concept} in one run and one delta), each with its
     * own regularization; null for a single-concept job.
     */
    public List<Concept> jointConcepts;
    public Training training;
    public Regularization regularization;
    public Progress progress;
    public Delta delta;
    public Samples samples;
    public Merge merge;
    public JobError error;
    public LossCurve lossCurve;
    /**
     * The last {@value #MAX_HISTORY} events this job saw or emitted other than training progress, in processing
     * order; their event ids are the first line of deduplication (the stage rules are the second).
     */
    public List<HistoryEntry> history = new ArrayList<>();
    /** Entries that fell off the front of {@link #history}. */
    public long historyDropped;
    /** Events seen per type (progress included), e.g. {@code "in TrainingProgress": 100000}. */
    public Map<String, Long> eventCounts = new LinkedHashMap<>();

    public static final int MAX_HISTORY = 100;

    /** Appends to the history, dropping the oldest entries beyond {@value #MAX_HISTORY}. */
    void record(HistoryEntry entry) {
        count(entry.direction + " " + entry.type);
        history.add(entry);
        while (history.size() > MAX_HISTORY) {
            history.remove(0);
            historyDropped++;
        }
    }

    void count(String key) {
        eventCounts.merge(key, 1L, Long::sum);
    }

    public boolean hasSeen(String eventId) {
        for (HistoryEntry entry : history) {
            if (entry.eventId.equals(eventId)) {
                return true;
            }
        }
        return false;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Concept {
        public String conceptId;
        public String conceptName;
        public String classWord;
        public String modifierToken;
        public String initializerWord;
        public String source;
        public List<Artifact> images = new ArrayList<>();
        /** Captions as the tenant gave them (possibly empty); the training captions are derived at request time. */
        public List<String> captions = new ArrayList<>();
        /** A joint job's further concept's own class set; the first concept's is the job's. */
        public Regularization regularization;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Training {
        public int steps;
        public int batchSize;
        public double learningRate;
        public double priorLossWeight;
        public int resolution;
        public long seed;
        public String mode;
        public int progressEverySteps;
        public int checkpointEverySteps;
        public String baseModel;
        public String baseModelDigest;
        public String requestEventId;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Regularization {
        public String classPrompt;
        public String requestEventId;
        public String origin;
        public String classSetDigest;
        public Integer imageCount;
        /**
         * A joint job's set, held from its RegularizationReady until every concept's set is ready and the training
         * request is made from them; then dropped, the request carries them.
         */
        public List<Artifact> images;
        public List<String> captions;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Progress {
        public int step;
        public int totalSteps;
        public double loss;
        public long elapsedMillis;
        public String checkpointKey;
        /** When the orchestrator received it: a training that reports is not stuck. */
        public String receivedAt;
    }

    /**
     * Loss by step, downsampled evenly so it never holds more than {@value #MAX_POINTS} points: every
     * {@code stride}-th report is kept, and when the points would exceed the maximum every other one is dropped and
     * the stride doubles. The kept points are thus always reports 0, stride, 2 stride, ... of the run.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class LossCurve {
        public static final int MAX_POINTS = 200;
        public int stride = 1;
        /** Reports seen (accepted ones, in step order). */
        public long reports;
        public List<Integer> steps = new ArrayList<>();
        public List<Double> losses = new ArrayList<>();

        void add(int step, double loss) {
            if (reports % stride == 0) {
                steps.add(step);
                losses.add(loss);
                if (steps.size() > MAX_POINTS) {
                    List<Integer> keptSteps = new ArrayList<>();
                    List<Double> keptLosses = new ArrayList<>();
                    for (int i = 0; i < steps.size(); i += 2) {
                        keptSteps.add(steps.get(i));
                        keptLosses.add(losses.get(i));
                    }
                    steps = keptSteps;
                    losses = keptLosses;
                    stride *= 2;
                }
            }
            reports++;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Delta {
        public Artifact artifact;
        public List<String> tokens = new ArrayList<>();
        public List<String> classWords = new ArrayList<>();
        public int steps;
        public double finalLoss;
        public long durationMillis;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Samples {
        public String requestEventId;
        public List<String> requestedPrompts = new ArrayList<>();
        public Long seed;
        public List<Artifact> images = new ArrayList<>();
        /** Prompt of each image, aligned with images. */
        public List<String> prompts = new ArrayList<>();
        public Long durationMillis;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Merge {
        public String outputName;
        public List<String> sourceDigests = new ArrayList<>();
        public Integer regularizationCaptions;
        /** Class sets of the merged concepts whose captions join the corpus sample. */
        public List<String> classSetDigests = new ArrayList<>();
        /** The caption list that constrained the merge (its sha256 is the caption set's digest). */
        public Artifact captionSet;
        /** retrieval-corpus or template-fallback. */
        public String captionSource;
        public Integer captionCount;
        /** Per-layer constraint residuals, change and regularization drift (JSON). */
        public Artifact diagnostics;
        public Artifact merged;
        public List<String> tokens = new ArrayList<>();
        public List<String> classWords = new ArrayList<>();
        public Long durationMillis;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class JobError {
        public String stage;
        public String reason;
        public String errorClass;
        public String eventId;
        public Boolean retryable;
        public List<String> offendingItems;
        /**
         * Set when the orchestrator itself ended the job (a dead letter, a stage timeout): the stage it was in.
         * The work may still finish (a replayed dead letter, a slow stage), and its result then revives the job.
         */
        public String revivableStage;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Artifact {
        public String bucket;
        public String key;
        public String sha256;
        public long sizeBytes;
        public String mediaType;
    }

    /** One event in a job's life; {@code direction} is "in" (consumed) or "out" (emitted). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class HistoryEntry {
        public String direction;
        public String type;
        public String eventId;
        public String occurredAt;
        public String causationId;
        /** Why an incoming event changed nothing, e.g. it arrived after its stage was over. */
        public String ignored;
    }
}

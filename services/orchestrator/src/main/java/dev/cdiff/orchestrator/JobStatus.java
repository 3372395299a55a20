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
    public Training training;
    public Regularization regularization;
    public Progress progress;
    public Delta delta;
    public Samples samples;
    public Merge merge;
    public JobError error;
    /** Every event this job saw or emitted, in processing order; its event ids are what deduplication checks. */
    public List<HistoryEntry> history = new ArrayList<>();

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
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Progress {
        public int step;
        public int totalSteps;
        public double loss;
        public long elapsedMillis;
        public String checkpointKey;
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

package dev.cdiff.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.gateway.http.GatewayHttpApi;
import dev.cdiff.gateway.http.HttpIo;
import dev.cdiff.gateway.http.HttpIo.Refusal;
import dev.cdiff.gateway.http.MultipartPart;
import dev.cdiff.gateway.jobs.OrchestratorJobs;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.ids.JointConcepts;
import dev.cdiff.platform.kafka.EventPublisher;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.StoredArtifact;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.IngestionRequested;
import dev.cdiff.schemas.events.JointConceptSource;
import dev.cdiff.schemas.events.MergeRequested;
import dev.cdiff.schemas.events.SampleRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What a tenant can start, each turned into the event the pipeline already understands, with the tenant taken from
 * the credential and the job id made here. A request is checked completely before anything is stored or published,
 * so a refused request leaves no trace. A tenant never names an artifact of a job: merges and samples name job ids,
 * and the deltas are looked up among the tenant's own jobs.
 */
public final class TenantActions {
    private static final Logger LOG = LoggerFactory.getLogger(TenantActions.class);
    static final String UPLOAD_KIND = "uploads";
    private static final int MAX_TEXT = 500;
    private static final int MAX_PROMPTS = 16;
    private static final int MAX_MERGE_JOBS = 16;
    private static final Set<String> SCHEDULERS = Set.of("ddpm", "ddim", "dpm");

    private final ArtifactStore store;
    private final EventPublisher publisher;
    private final OrchestratorJobs jobs;
    private final int maxImages;

    public TenantActions(ArtifactStore store, EventPublisher publisher, OrchestratorJobs jobs, int maxImages) {
        this.store = store;
        this.publisher = publisher;
        this.jobs = jobs;
        this.maxImages = maxImages;
    }

    /** Multipart upload: the images go under {@code tenants/<tenant>/uploads/}, ingestion takes them from there. */
    public ObjectNode uploadConcept(String tenant, List<MultipartPart> parts) throws Refusal {
        String conceptName = null;
        String classWord = null;
        String initializer = null;
        List<String> captions = new ArrayList<>();
        List<MultipartPart> images = new ArrayList<>();
        List<String> fieldNames = new ArrayList<>();
        for (MultipartPart part : parts) {
            fieldNames.add(part.name());
            if (part.isFile()) {
                images.add(part);
                continue;
            }
            switch (part.name()) {
                case "conceptName" -> conceptName = part.text();
                case "classWord" -> classWord = part.text();
                case "initializerWord" -> initializer = part.text();
                case "caption", "captions" -> captions.add(text("caption", part.text()));
                default -> {
                    // unknown fields are ignored so clients may add fields ahead of the server (tenant is refused)
                }
            }
        }
        GatewayHttpApi.refuseTenantField(fieldNames);
        ConceptFields concept = conceptFields(conceptName, classWord, initializer, captions);
        if (images.isEmpty()) {
            throw new Refusal(400, "NO_IMAGES", "attach the concept's images as file parts");
        }
        if (images.size() > maxImages) {
            throw new Refusal(422, "TOO_MANY_IMAGES", images.size() + " images; at most " + maxImages);
        }
        List<String> keys = new ArrayList<>();
        ObjectNode answer = HttpIo.JSON.createObjectNode();
        ArrayNode uploads = answer.putArray("uploads");
        for (MultipartPart image : images) {
            String extension = extensionOf(image.body());
            StoredArtifact stored = store.put(tenant, UPLOAD_KIND, image.body(), extension,
                    "bin".equals(extension) ? "application/octet-stream" : "image/" + extension);
            keys.add(stored.key());
            uploads.addObject().put("name", image.fileName()).put("key", stored.key());
        }
        String jobId = startIngestion(tenant, concept, keys, "upload");
        answer.put("jobId", jobId).put("images", keys.size());
        return answer;
    }

    /** The event-triggered path: images the tenant already has under its own prefix of the service's bucket. */
    public ObjectNode conceptFromStorage(String tenant, JsonNode body) throws Refusal {
        allowOnly(body, Set.of("conceptName", "classWord", "initializerWord", "captions", "sourceKeys"));
        List<String> captions = strings(body, "captions", maxImages);
        ConceptFields concept = conceptFields(body.path("conceptName").asText(null),
                body.path("classWord").asText(null), body.path("initializerWord").asText(null), captions);
        List<String> keys = strings(body, "sourceKeys", maxImages);
        if (keys.isEmpty()) {
            throw new Refusal(400, "NO_IMAGES", "sourceKeys must name the concept's images");
        }
        for (String key : keys) {
            if (!TenantIds.isKeyOf(tenant, key)) {
                throw new Refusal(403, "OUTSIDE_PREFIX", "'" + shown(key) + "' is not a key under your prefix"
                        + " tenants/" + tenant + "/");
            }
            if (store.stat(key).isEmpty()) {
                throw new Refusal(422, "SOURCE_NOT_FOUND", "'" + key + "' does not exist");
            }
        }
        String jobId = startIngestion(tenant, concept, keys, "storage");
        return HttpIo.JSON.createObjectNode().put("jobId", jobId).put("images", keys.size());
    }

    /**
     * Multipart upload of a joint job: parts named {@code concept<N>.<field>} (fields conceptName, classWord,
     * initializerWord, token, caption) and file parts named {@code concept<N>.image}, N from 1. Every concept gets its
     * own token ({@code <newN>} when none is given). A file part that belongs to no concept is refused, never dropped.
     */
    public ObjectNode uploadJointConcepts(String tenant, List<MultipartPart> parts) throws Refusal {
        List<String> fieldNames = new ArrayList<>();
        java.util.SortedMap<Integer, JointPart> byIndex = new java.util.TreeMap<>();
        for (MultipartPart part : parts) {
            fieldNames.add(part.name());
            java.util.regex.Matcher m = JOINT_PART.matcher(part.name() == null ? "" : part.name());
            if (!m.matches()) {
                if (part.isFile()) {
                    throw new Refusal(400, "MALFORMED_REQUEST", "file part '" + shown(String.valueOf(part.name()))
                            + "' names no concept; name image parts concept<N>.image");
                }
                continue;
            }
            int index = Integer.parseInt(m.group(1));
            if (index < 1) {
                throw new Refusal(400, "MALFORMED_REQUEST", "concepts are numbered from concept1");
            }
            if (index > JointConcepts.MAX_CONCEPTS) {
                throw new Refusal(422, "TOO_MANY_CONCEPTS", "concept" + index + ": a joint job has concepts 1 to "
                        + JointConcepts.MAX_CONCEPTS);
            }
            JointPart concept = byIndex.computeIfAbsent(index, i -> new JointPart());
            String field = m.group(2);
            if (part.isFile()) {
                if (!field.equals("image") && !field.equals("images")) {
                    throw new Refusal(400, "MALFORMED_REQUEST", "file part '" + part.name() + "': name image parts"
                            + " concept" + index + ".image");
                }
                concept.images.add(part);
                continue;
            }
            switch (field) {
                case "conceptName" -> concept.name = part.text();
                case "classWord" -> concept.classWord = part.text();
                case "initializerWord" -> concept.initializer = part.text();
                case "token", "modifierToken" -> concept.token = part.text();
                case "caption", "captions" -> concept.captions.add(text("caption", part.text()));
                default -> {
                    // as the single-concept upload: fields a newer client sends are ignored
                }
            }
        }
        GatewayHttpApi.refuseTenantField(fieldNames);
        requireJoint(byIndex.size());
        if (!byIndex.lastKey().equals(byIndex.size())) {
            throw new Refusal(400, "MALFORMED_REQUEST", "number the concepts concept1 to concept" + byIndex.size()
                    + " without gaps; got " + byIndex.keySet());
        }
        List<ConceptFields> concepts = new ArrayList<>();
        for (var entry : byIndex.entrySet()) {
            JointPart part = entry.getValue();
            ConceptFields fields = conceptFields(part.name, part.classWord, part.initializer, part.captions)
                    .withToken(tokenOf(entry.getKey() - 1, part.token));
            if (part.images.isEmpty()) {
                throw new Refusal(400, "NO_IMAGES", "concept" + entry.getKey() + " has no images; attach them as"
                        + " file parts named concept" + entry.getKey() + ".image");
            }
            if (part.images.size() > maxImages) {
                throw new Refusal(422, "TOO_MANY_IMAGES", "concept" + entry.getKey() + ": " + part.images.size()
                        + " images; at most " + maxImages + " per concept");
            }
            concepts.add(fields);
        }
        requireDistinctTokens(concepts);
        ObjectNode answer = HttpIo.JSON.createObjectNode();
        ArrayNode uploads = answer.putArray("uploads");
        List<ConceptFields> stored = new ArrayList<>();
        int images = 0;
        for (var entry : byIndex.entrySet()) {
            List<String> keys = new ArrayList<>();
            for (MultipartPart image : entry.getValue().images) {
                String extension = extensionOf(image.body());
                StoredArtifact artifact = store.put(tenant, UPLOAD_KIND, image.body(), extension,
                        "bin".equals(extension) ? "application/octet-stream" : "image/" + extension);
                keys.add(artifact.key());
                uploads.addObject().put("concept", entry.getKey()).put("name", image.fileName())
                        .put("key", artifact.key());
            }
            images += keys.size();
            stored.add(concepts.get(entry.getKey() - 1).withKeys(keys));
        }
        String jobId = startJointIngestion(tenant, stored, "upload");
        answer.put("jobId", jobId).put("images", images);
        ArrayNode tokens = answer.putArray("tokens");
        stored.forEach(c -> tokens.add(c.token()));
        return answer;
    }

    /**
     * The event-triggered path of a joint job: {@code {"concepts": [{conceptName, classWord, initializerWord?,
     * token?, captions?, sourceKeys}, ...]}} over images already under the tenant's prefix.
     */
    public ObjectNode jointConceptsFromStorage(String tenant, JsonNode body) throws Refusal {
        allowOnly(body, Set.of("concepts"));
        JsonNode list = body.path("concepts");
        if (!list.isArray()) {
            throw new Refusal(400, "MALFORMED_REQUEST", "concepts must be an array of concept objects");
        }
        requireJoint(list.size());
        List<ConceptFields> concepts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isObject()) {
                throw new Refusal(400, "MALFORMED_REQUEST", "concepts[" + i + "] must be an object");
            }
            allowOnly(item, Set.of("conceptName", "classWord", "initializerWord", "token", "captions", "sourceKeys"));
            ConceptFields fields = conceptFields(item.path("conceptName").asText(null),
                    item.path("classWord").asText(null), item.path("initializerWord").asText(null),
                    strings(item, "captions", maxImages))
                    .withToken(tokenOf(i, item.path("token").asText(null)));
            List<String> keys = strings(item, "sourceKeys", maxImages);
            if (keys.isEmpty()) {
                throw new Refusal(400, "NO_IMAGES", "concepts[" + i + "].sourceKeys must name the concept's images");
            }
            concepts.add(fields.withKeys(keys));
        }
        requireDistinctTokens(concepts);
        checkOwnKeys(tenant, concepts.stream().flatMap(c -> c.keys().stream()).toList());
        String jobId = startJointIngestion(tenant, concepts, "storage");
        ObjectNode answer = HttpIo.JSON.createObjectNode().put("jobId", jobId)
                .put("images", concepts.stream().mapToInt(c -> c.keys().size()).sum());
        ArrayNode tokens = answer.putArray("tokens");
        concepts.forEach(c -> tokens.add(c.token()));
        return answer;
    }

    private static final java.util.regex.Pattern JOINT_PART = java.util.regex.Pattern.compile("concept(\\d{1,3})\\.(\\w{1,32})");

    /** A concept of a joint upload while its parts are being collected. */
    private static final class JointPart {
        String name;
        String classWord;
        String initializer;
        String token;
        final List<String> captions = new ArrayList<>();
        final List<MultipartPart> images = new ArrayList<>();
    }

    private static void requireJoint(int concepts) throws Refusal {
        if (concepts < 2) {
            throw new Refusal(400, "TOO_FEW_CONCEPTS", "a joint job names at least two concepts, got " + concepts
                    + "; submit a single concept to /v1/concepts");
        }
        if (concepts > JointConcepts.MAX_CONCEPTS) {
            throw new Refusal(422, "TOO_MANY_CONCEPTS", concepts + " concepts; a joint job learns at most "
                    + JointConcepts.MAX_CONCEPTS);
        }
    }

    private static String tokenOf(int index, String given) throws Refusal {
        String token = given == null || given.isBlank() ? JointConcepts.defaultToken(index) : given.strip();
        if (!Ids.isModifierToken(token)) {
            throw new Refusal(400, "INVALID_TOKEN", "concept " + (index + 1) + ": token '" + shown(token)
                    + "' must be one of <new1> to <new99>");
        }
        return token;
    }

    private static void requireDistinctTokens(List<ConceptFields> concepts) throws Refusal {
        Optional<String> problem = JointConcepts.problem(concepts.stream().map(ConceptFields::token).toList());
        if (problem.isPresent()) {
            throw new Refusal(400, "INVALID_TOKEN", problem.get());
        }
    }

    /** Every key under the tenant's prefix before any is looked up: a foreign key is never probed for existence. */
    private void checkOwnKeys(String tenant, List<String> keys) throws Refusal {
        for (String key : keys) {
            if (!TenantIds.isKeyOf(tenant, key)) {
                throw new Refusal(403, "OUTSIDE_PREFIX", "'" + shown(key) + "' is not a key under your prefix"
                        + " tenants/" + tenant + "/");
            }
        }
        for (String key : keys) {
            if (store.stat(key).isEmpty()) {
                throw new Refusal(422, "SOURCE_NOT_FOUND", "'" + key + "' does not exist");
            }
        }
    }

    private String startJointIngestion(String tenant, List<ConceptFields> concepts, String origin) {
        ConceptFields first = concepts.get(0);
        List<JointConceptSource> further = new ArrayList<>();
        for (ConceptFields c : concepts.subList(1, concepts.size())) {
            further.add(JointConceptSource.newBuilder().setConceptName(c.name()).setClassWord(c.classWord())
                    .setInitializerWord(c.initializer()).setModifierToken(c.token()).setSourceKeys(c.keys())
                    .setCaptions(c.captions()).build());
        }
        String jobId = UUID.randomUUID().toString();
        publisher.publish(jobId, IngestionRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setJobId(jobId).setOccurredAt(Instant.now()).setCausationId(null)
                .setConceptName(first.name()).setClassWord(first.classWord())
                .setInitializerWord(first.initializer()).setSourceBucket(store.bucket()).setSourceKeys(first.keys())
                .setCaptions(first.captions()).setTraining(null).setModifierToken(first.token())
                .setAdditionalConcepts(further).build());
        LOG.info("tenant {}: joint concept job {} ({} concepts from {})", tenant, jobId, concepts.size(), origin);
        return jobId;
    }

    public ObjectNode merge(String tenant, JsonNode body) throws Refusal, OrchestratorJobs.Unavailable {
        allowOnly(body, Set.of("jobs", "name", "regularizationCaptions"));
        List<String> sources = strings(body, "jobs", MAX_MERGE_JOBS);
        if (sources.size() < 2) {
            throw new Refusal(400, "MALFORMED_REQUEST", "jobs must name at least two finished jobs to merge");
        }
        List<ArtifactRef> deltas = new ArrayList<>();
        java.util.TreeSet<String> classSets = new java.util.TreeSet<>();
        for (String source : sources) {
            SourceDelta delta = deltaOf(tenant, source);
            deltas.add(delta.ref());
            classSets.addAll(delta.classSetDigests());
        }
        String name = body.path("name").asText("merged");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")) {
            throw new Refusal(400, "MALFORMED_REQUEST", "name must be 1-64 letters, digits, spaces, '.', '_', '-'");
        }
        int captions = integer(body, "regularizationCaptions", 1000, 0, 10_000);
        String jobId = UUID.randomUUID().toString();
        publisher.publish(jobId, MergeRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setJobId(jobId).setOccurredAt(Instant.now()).setCausationId(null)
                .setDeltas(deltas).setRegularizationCaptions(captions).setOutputName(name)
                .setClassSetDigests(List.copyOf(classSets)).build());
        LOG.info("tenant {}: merge job {} of {}", tenant, jobId, sources);
        return HttpIo.JSON.createObjectNode().put("jobId", jobId);
    }

    public ObjectNode sample(String tenant, JsonNode body) throws Refusal, OrchestratorJobs.Unavailable {
        allowOnly(body, Set.of("job", "prompts", "negativePrompt", "steps", "guidanceScale", "scheduler", "seed",
                "imagesPerPrompt"));
        List<String> prompts = strings(body, "prompts", MAX_PROMPTS);
        if (prompts.isEmpty()) {
            throw new Refusal(400, "MALFORMED_REQUEST", "prompts must hold at least one prompt");
        }
        for (String prompt : prompts) {
            text("prompt", prompt);
        }
        // unset sampler settings are the paper's (DDPM, 200 steps, guidance 6), as SampleRequested's defaults
        String scheduler = body.path("scheduler").asText("ddpm");
        if (!SCHEDULERS.contains(scheduler)) {
            throw new Refusal(400, "MALFORMED_REQUEST", "scheduler must be one of " + SCHEDULERS);
        }
        double guidance = body.path("guidanceScale").asDouble(6.0);
        if (!(guidance >= 0 && guidance <= 100)) {
            throw new Refusal(400, "MALFORMED_REQUEST", "guidanceScale must be between 0 and 100");
        }
        SourceDelta source = body.hasNonNull("job") ? deltaOf(tenant, body.get("job").asText()) : null;
        String jobId = UUID.randomUUID().toString();
        publisher.publish(jobId, SampleRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setJobId(jobId).setOccurredAt(Instant.now())
                // the sample answers the completion that produced its delta, so the chain shows that hand-off
                .setCausationId(source == null ? null : source.producedBy())
                .setDelta(source == null ? null : source.ref())
                .setPrompts(prompts)
                .setNegativePrompt(text("negativePrompt", body.path("negativePrompt").asText("")))
                .setSteps(integer(body, "steps", 200, 1, 1000)).setGuidanceScale(guidance).setScheduler(scheduler)
                .setSeed(body.path("seed").asLong(42)).setImagesPerPrompt(integer(body, "imagesPerPrompt", 1, 1, 16))
                .build());
        LOG.info("tenant {}: sample job {}", tenant, jobId);
        return HttpIo.JSON.createObjectNode().put("jobId", jobId);
    }

    /**
     * @param producedBy      event id of the completion event that named the delta, when the job's history has it
     * @param classSetDigests the class sets the delta's concepts were regularized with (a merge's: its sources')
     */
    private record SourceDelta(ArtifactRef ref, String producedBy, List<String> classSetDigests) {
    }

    /** The delta a finished job of the tenant produced (a trained concept or a merge). */
    private SourceDelta deltaOf(String tenant, String jobId) throws Refusal, OrchestratorJobs.Unavailable {
        if (!TenantIds.isJobId(jobId)) {
            throw new Refusal(404, "NOT_FOUND", "no job " + shown(jobId));
        }
        JsonNode job = jobs.jobOf(tenant, jobId).orElseThrow(() -> new Refusal(404, "NOT_FOUND", "no job " + jobId));
        JsonNode artifact = job.path("merge").path("merged").has("key") ? job.path("merge").path("merged")
                : job.path("delta").path("artifact");
        if (!artifact.has("key")) {
            throw new Refusal(409, "NO_DELTA", "job " + jobId + " has no delta yet (stage "
                    + job.path("stage").asText() + ")");
        }
        String key = artifact.path("key").asText();
        if (!TenantIds.isKeyOf(tenant, key)) {
            throw new Refusal(409, "NO_DELTA", "job " + jobId + "'s delta is not under your prefix");
        }
        String producedBy = null;
        for (JsonNode entry : job.path("history")) {
            String type = entry.path("type").asText();
            if ("in".equals(entry.path("direction").asText())
                    && (type.equals("TrainingCompleted") || type.equals("MergeCompleted"))) {
                producedBy = entry.path("eventId").asText(null);
            }
        }
        return new SourceDelta(ArtifactRef.newBuilder().setBucket(artifact.path("bucket").asText()).setKey(key)
                .setSha256(artifact.path("sha256").asText()).setSizeBytes(artifact.path("sizeBytes").asLong())
                .setMediaType(artifact.path("mediaType").asText()).build(), producedBy, classSetsOf(job));
    }

    /**
     * Every class-set digest the job's status records, wherever it sits (one regularization, several for a joint
     * job, the sources' sets for a merge); anything that is not a digest is left out rather than passed on.
     */
    private static List<String> classSetsOf(JsonNode job) {
        java.util.TreeSet<String> digests = new java.util.TreeSet<>(job.findValuesAsText("classSetDigest"));
        for (JsonNode list : job.findValues("classSetDigests")) {
            list.forEach(d -> digests.add(d.asText()));
        }
        return digests.stream().filter(d -> d.matches("[0-9a-f]{64}")).toList();
    }

    private String startIngestion(String tenant, ConceptFields concept, List<String> keys, String origin) {
        String jobId = UUID.randomUUID().toString();
        publisher.publish(jobId, IngestionRequested.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setJobId(jobId).setOccurredAt(Instant.now()).setCausationId(null)
                .setConceptName(concept.name()).setClassWord(concept.classWord())
                .setInitializerWord(concept.initializer()).setSourceBucket(store.bucket()).setSourceKeys(keys)
                .setCaptions(concept.captions()).setTraining(null).build());
        LOG.info("tenant {}: concept job {} ({} images from {})", tenant, jobId, keys.size(), origin);
        return jobId;
    }

    private record ConceptFields(String name, String classWord, String initializer, List<String> captions,
                                 String token, List<String> keys) {
        ConceptFields(String name, String classWord, String initializer, List<String> captions) {
            this(name, classWord, initializer, captions, null, List.of());
        }

        ConceptFields withToken(String t) {
            return new ConceptFields(name, classWord, initializer, captions, t, keys);
        }

        ConceptFields withKeys(List<String> k) {
            return new ConceptFields(name, classWord, initializer, captions, token, List.copyOf(k));
        }
    }

    /** Shape checks only; what makes a concept acceptable (word lists, image content) stays ingestion's call. */
    private static ConceptFields conceptFields(String name, String classWord, String initializer,
                                               List<String> captions) throws Refusal {
        if (name == null || name.isBlank() || classWord == null || classWord.isBlank()) {
            throw new Refusal(400, "MALFORMED_REQUEST", "conceptName and classWord are required");
        }
        return new ConceptFields(text("conceptName", name), text("classWord", classWord),
                initializer == null || initializer.isBlank() ? null : text("initializerWord", initializer),
                List.copyOf(captions));
    }

    private static void allowOnly(JsonNode body, Set<String> allowed) throws Refusal {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new Refusal(400, "UNKNOWN_FIELD", "unknown field '" + shown(name) + "'; accepted: "
                        + new java.util.TreeSet<>(allowed));
            }
        }
    }

    private static List<String> strings(JsonNode body, String field, int max) throws Refusal {
        JsonNode node = body.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray() || node.size() > max) {
            throw new Refusal(400, "MALFORMED_REQUEST", field + " must be an array of at most " + max + " strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new Refusal(400, "MALFORMED_REQUEST", field + " must hold strings only");
            }
            out.add(item.asText());
        }
        return out;
    }

    private static int integer(JsonNode body, String field, int fallback, int min, int max) throws Refusal {
        JsonNode node = body.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < min || node.asInt() > max) {
            throw new Refusal(400, "MALFORMED_REQUEST", field + " must be an integer from " + min + " to " + max);
        }
        return node.asInt();
    }

    private static String text(String field, String value) throws Refusal {
        if (value.length() > MAX_TEXT || value.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
            throw new Refusal(400, "MALFORMED_REQUEST", field + " must be at most " + MAX_TEXT
                    + " characters without control characters");
        }
        return value;
    }

    /** Content-addressed uploads need an extension that says what they are; ingestion checks them for real. */
    static String extensionOf(byte[] bytes) {
        if (bytes.length >= 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G') {
            return "png";
        }
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xD8) {
            return "jpeg";
        }
        if (bytes.length >= 12 && bytes[0] == 'R' && bytes[1] == 'I' && bytes[2] == 'F' && bytes[3] == 'F'
                && bytes[8] == 'W' && bytes[9] == 'E' && bytes[10] == 'B' && bytes[11] == 'P') {
            return "webp";
        }
        return "bin";
    }

    private static String shown(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }
}

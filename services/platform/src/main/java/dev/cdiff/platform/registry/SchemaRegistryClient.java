package dev.cdiff.platform.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client of the Confluent Schema Registry REST API (v1), for Avro schemas.
 *
 * <p>Ids are immutable once assigned, so id→schema and (subject, schema)→id answers are cached for the life of
 * the client; everything else (latest version, config, subject lists) is asked each time. Thread-safe.
 */
public final class SchemaRegistryClient implements AutoCloseable {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = CONTENT_TYPE + ", application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final String authorization;
    private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idBySubjectAndSchema = new ConcurrentHashMap<>();

    public SchemaRegistryClient(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(30));
    }

    public SchemaRegistryClient(String baseUrl, Duration requestTimeout) {
        this(baseUrl, requestTimeout, null, null);
    }

    /** The registry of a service config, with its SCHEMA_REGISTRY_USERNAME/PASSWORD when they are set. */
    public static SchemaRegistryClient fromConfig(dev.cdiff.platform.config.ServiceConfig config, Duration requestTimeout) {
        return new SchemaRegistryClient(config.schemaRegistryUrl(), requestTimeout,
                config.optional(dev.cdiff.platform.config.ServiceConfig.SCHEMA_REGISTRY_USERNAME).orElse(null),
                config.optional(dev.cdiff.platform.config.ServiceConfig.SCHEMA_REGISTRY_PASSWORD).orElse(null));
    }

    /**
     * @param username HTTP Basic user sent with every request (null: none); the registry refuses writes without it
     */
    public SchemaRegistryClient(String baseUrl, Duration requestTimeout, String username, String password) {
        this.authorization = username == null ? null : "Basic " + java.util.Base64.getEncoder().encodeToString(
                (username + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("schema registry URL is empty");
        }
        String trimmed = baseUrl.trim();
        if (trimmed.contains(",")) {
            // Confluent accepts a list of URLs for failover; one is enough for us, take the first.
            trimmed = trimmed.substring(0, trimmed.indexOf(',')).trim();
        }
        URI parsed;
        try {
            parsed = new URI(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
        } catch (URISyntaxException e) {
            parsed = null;
        }
        if (parsed == null || parsed.getScheme() == null || !parsed.getScheme().matches("https?") || parsed.getHost() == null) {
            throw new IllegalArgumentException("schema registry URL must be http(s)://host:port, got '" + baseUrl + "'");
        }
        this.baseUrl = parsed;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public String baseUrl() {
        return baseUrl.toString();
    }

    // ---- schemas ------------------------------------------------------------------------------------------

    /**
     * Registers the schema under the subject (or finds it already registered) and returns its global id.
     * Fails with {@link RegistryError#INCOMPATIBLE_SCHEMA} when the subject's compatibility rule rejects it.
     */
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> known = idBySubjectAndSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = known.get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", subjectPath(subject) + "/versions", schemaBody(schema));
        int id = requiredInt(answer, "id");
        known.put(schema, id);
        schemaById.putIfAbsent(id, schema);
        return id;
    }

    public int register(String subject, String schemaText) {
        return register(subject, parseOrThrow(schemaText));
    }

    /** The schema with this global id (cached forever: ids never change meaning). */
    public Schema schemaById(int id) {
        Schema cached = schemaById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new SchemaRegistryException(RegistryError.INVALID_SCHEMA,
                    "schema id " + id + " is of type " + type + ", only AVRO is supported");
        }
        Schema schema = parseOrThrow(requiredText(answer, "schema"));
        Schema raced = schemaById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    /**
     * Finds the version of the subject that holds this schema (POST /subjects/{subject}) without registering.
     * Fails with {@link RegistryError#SUBJECT_NOT_FOUND} or {@link RegistryError#SCHEMA_NOT_FOUND}.
     */
    public RegisteredSchema lookup(String subject, Schema schema) {
        RegisteredSchema found = toRegistered(send("POST", subjectPath(subject), schemaBody(schema)), subject);
        idBySubjectAndSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, found.id());
        return found;
    }

    /** Id of the schema under the subject: from cache, else by lookup (never registers). */
    public int idOf(String subject, Schema schema) {
        Integer cached = idBySubjectAndSchema.getOrDefault(subject, Map.of()).get(schema);
        return cached != null ? cached : lookup(subject, schema).id();
    }

    /** A given version (1, 2, ...) of the subject. */
    public RegisteredSchema version(String subject, int version) {
        if (version <= 0) {
            throw new IllegalArgumentException("schema version must be >= 1, got " + version);
        }
        return toRegistered(send("GET", subjectPath(subject) + "/versions/" + version, null), subject);
    }

    /** The newest live version of the subject. */
    public RegisteredSchema latest(String subject) {
        return toRegistered(send("GET", subjectPath(subject) + "/versions/latest", null), subject);
    }

    /** Live subjects, sorted as the registry returns them. */
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        send("GET", "/subjects", null).forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Live versions of the subject, ascending. */
    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        send("GET", subjectPath(subject) + "/versions", null).forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** Would registering this schema under the subject pass its compatibility rule against the latest version? */
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode answer = send("POST", "/compatibility" + subjectPath(subject) + "/versions/latest", schemaBody(schema));
        JsonNode flag = answer.get("is_compatible");
        if (flag == null || !flag.isBoolean()) {
            throw malformed("is_compatible", answer);
        }
        return flag.booleanValue();
    }

    /**
     * Soft-deletes every version of the subject (ids stay resolvable); {@code permanent} then removes them for good
     * (Confluent requires the soft delete first). Returns the versions deleted.
     */
    public List<Integer> deleteSubject(String subject, boolean permanent) {
        List<Integer> out = new ArrayList<>();
        send("DELETE", subjectPath(subject) + (permanent ? "?permanent=true" : ""), null).forEach(n -> out.add(n.asInt()));
        idBySubjectAndSchema.remove(subject);
        return out;
    }

    public List<Integer> deleteSubject(String subject) {
        return deleteSubject(subject, false);
    }

    // ---- config -------------------------------------------------------------------------------------------

    public CompatibilityLevel globalCompatibility() {
        return level(send("GET", "/config", null));
    }

    public CompatibilityLevel setGlobalCompatibility(CompatibilityLevel level) {
        return level(send("PUT", "/config", compatibilityBody(level)));
    }

    /** The subject's own level, empty when it inherits the global one. */
    public Optional<CompatibilityLevel> subjectCompatibility(String subject) {
        try {
            return Optional.of(level(send("GET", configPath(subject), null)));
        } catch (SchemaRegistryException e) {
            if (e.is(RegistryError.SUBJECT_COMPATIBILITY_NOT_CONFIGURED) || e.is(RegistryError.SUBJECT_NOT_FOUND)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public CompatibilityLevel setSubjectCompatibility(String subject, CompatibilityLevel level) {
        return level(send("PUT", configPath(subject), compatibilityBody(level)));
    }

    /** Drops the subject's own level so it follows the global one again. */
    public void clearSubjectCompatibility(String subject) {
        send("DELETE", configPath(subject), null);
    }

    @Override
    public void close() {
        // HttpClient on Java 17 has no close(); its threads are daemons and end with the JVM or on GC.
    }

    // ---- plumbing -----------------------------------------------------------------------------------------

    private static String subjectPath(String subject) {
        return "/subjects/" + encodeSubject(subject);
    }

    private static String configPath(String subject) {
        return "/config/" + encodeSubject(subject);
    }

    private static String encodeSubject(String subject) {
        if (subject == null || subject.isEmpty()) {
            throw new IllegalArgumentException("subject is empty");
        }
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String schemaBody(Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        return body.toString();
    }

    private static String compatibilityBody(CompatibilityLevel level) {
        ObjectNode body = JSON.createObjectNode();
        body.put("compatibility", level.name());
        return body.toString();
    }

    private static CompatibilityLevel level(JsonNode answer) {
        // GET answers {"compatibilityLevel": ...}, PUT echoes {"compatibility": ...}.
        JsonNode level = answer.has("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.get("compatibility");
        if (level == null || !level.isTextual()) {
            throw malformed("compatibilityLevel", answer);
        }
        return CompatibilityLevel.parse(level.asText());
    }

    private RegisteredSchema toRegistered(JsonNode answer, String askedSubject) {
        String subject = answer.path("subject").asText(askedSubject);
        RegisteredSchema registered = new RegisteredSchema(subject, requiredInt(answer, "version"),
                requiredInt(answer, "id"), requiredText(answer, "schema"));
        schemaById.computeIfAbsent(registered.id(), id -> parseOrThrow(registered.schema()));
        return registered;
    }

    private static Schema parseOrThrow(String text) {
        try {
            return AvroSchemas.parse(text);
        } catch (org.apache.avro.AvroRuntimeException e) {
            throw new SchemaRegistryException(RegistryError.INVALID_SCHEMA, "invalid Avro schema: " + e.getMessage(), e);
        }
    }

    private static int requiredInt(JsonNode answer, String field) {
        JsonNode n = answer.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw malformed(field, answer);
        }
        return n.intValue();
    }

    private static String requiredText(JsonNode answer, String field) {
        JsonNode n = answer.get(field);
        if (n == null || !n.isTextual()) {
            throw malformed(field, answer);
        }
        return n.asText();
    }

    private static SchemaRegistryException malformed(String field, JsonNode answer) {
        return new SchemaRegistryException(RegistryError.INTERNAL,
                "registry answer lacks '" + field + "': " + answer);
    }

    private JsonNode send(String method, String pathAndQuery, String body) {
        URI uri = URI.create(baseUrl + pathAndQuery);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", ACCEPT);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException(-1, -1, "cannot reach schema registry at " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(-1, -1, "interrupted calling schema registry at " + uri, e);
        }
        int status = response.statusCode();
        JsonNode json;
        try {
            json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (status >= 200 && status < 300) {
            if (json == null) {
                throw new SchemaRegistryException(status, RegistryError.INTERNAL.code(),
                        method + " " + uri + " answered non-JSON: " + abbreviate(response.body()));
            }
            return json;
        }
        if (json != null && json.has("error_code")) {
            throw new SchemaRegistryException(status, json.path("error_code").asInt(status),
                    json.path("message").asText("") + " (" + method + " " + pathAndQuery + ")");
        }
        throw new SchemaRegistryException(status, status,
                method + " " + pathAndQuery + " failed: " + abbreviate(response.body()));
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}

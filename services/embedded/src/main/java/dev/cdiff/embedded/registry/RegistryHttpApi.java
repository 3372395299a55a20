package dev.cdiff.embedded.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.cdiff.platform.registry.CompatibilityLevel;
import dev.cdiff.platform.registry.RegistryError;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.registry.SchemaRegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Confluent Schema Registry REST API (v1, Avro only) over {@link RegistryService}. Errors answer as Confluent
 * does: {@code {"error_code": .., "message": ..}} with the status the code implies.
 */
final class RegistryHttpApi implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryService registry;

    RegistryHttpApi(RegistryService registry) {
        this.registry = registry;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            Object body;
            try {
                body = route(exchange.getRequestMethod(), segments(exchange.getRequestURI().getRawPath()),
                        query(exchange.getRequestURI().getRawQuery()), exchange.getRequestBody());
            } catch (SchemaRegistryException e) {
                status = e.httpStatus();
                body = error(e.errorCode(), e.serverMessage());
            } catch (RuntimeException e) {
                LOG.error("registry request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                body = error(RegistryError.INTERNAL.code(), "Internal error: " + e);
            }
            byte[] bytes = (body instanceof String raw ? raw : JSON.writeValueAsString(body))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", SchemaRegistryClient.CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Object route(String method, List<String> path, Map<String, String> query, InputStream body) throws IOException {
        int n = path.size();
        String head = n == 0 ? "" : path.get(0);
        switch (head) {
            case "" -> {
                expect(method, "GET");
                return JSON.createObjectNode();
            }
            case "schemas" -> {
                if (n == 2 && path.get(1).equals("types")) {
                    expect(method, "GET");
                    return List.of("AVRO");
                }
                if (n >= 3 && path.get(1).equals("ids")) {
                    int id = parseId(path.get(2));
                    if (n == 3) {
                        expect(method, "GET");
                        ObjectNode out = JSON.createObjectNode();
                        out.put("schema", registry.schemaById(id));
                        return out;
                    }
                    if (n == 4 && path.get(3).equals("versions")) {
                        expect(method, "GET");
                        ArrayNode out = JSON.createArrayNode();
                        registry.usesOfId(id).forEach(e -> out.addObject().put("subject", e.subject()).put("version", e.version()));
                        return out;
                    }
                    if (n == 4 && path.get(3).equals("schema")) {
                        expect(method, "GET");
                        return registry.schemaById(id);
                    }
                }
            }
            case "subjects" -> {
                return subjects(method, path, query, body);
            }
            case "compatibility" -> {
                if (n >= 4 && path.get(1).equals("subjects") && path.get(3).equals("versions") && n <= 5) {
                    expect(method, "POST");
                    String schema = schemaText(body);
                    RegistryService.CompatibilityVerdict verdict =
                            registry.checkCompatibility(path.get(2), n == 5 ? path.get(4) : null, schema);
                    ObjectNode out = JSON.createObjectNode();
                    out.put("is_compatible", verdict.compatible());
                    if ("true".equals(query.get("verbose"))) {
                        ArrayNode messages = out.putArray("messages");
                        verdict.messages().forEach(messages::add);
                    }
                    return out;
                }
            }
            case "config" -> {
                return config(method, path, query, body);
            }
            default -> {
                // falls through to 404
            }
        }
        throw new SchemaRegistryException(RegistryError.NOT_FOUND, "HTTP 404 Not Found");
    }

    private Object subjects(String method, List<String> path, Map<String, String> query, InputStream body) throws IOException {
        int n = path.size();
        boolean deleted = "true".equals(query.get("deleted"));
        boolean permanent = "true".equals(query.get("permanent"));
        if (n == 1) {
            expect(method, "GET");
            return registry.subjects(deleted);
        }
        String subject = path.get(1);
        if (n == 2) {
            if (method.equals("POST")) {
                return entryJson(registry.lookup(subject, schemaText(body), deleted));
            }
            expect(method, "DELETE");
            return registry.deleteSubject(subject, permanent);
        }
        if (!path.get(2).equals("versions")) {
            throw new SchemaRegistryException(RegistryError.NOT_FOUND, "HTTP 404 Not Found");
        }
        if (n == 3) {
            if (method.equals("POST")) {
                ObjectNode out = JSON.createObjectNode();
                out.put("id", registry.register(subject, schemaText(body)));
                return out;
            }
            expect(method, "GET");
            return registry.versions(subject, deleted);
        }
        String version = path.get(3);
        if (n == 4) {
            if (method.equals("DELETE")) {
                return registry.deleteVersion(subject, version, permanent);
            }
            expect(method, "GET");
            return entryJson(registry.version(subject, version, deleted));
        }
        if (n == 5 && path.get(4).equals("schema")) {
            expect(method, "GET");
            return registry.version(subject, version, deleted).schema();
        }
        if (n == 5 && path.get(4).equals("referencedby")) {
            expect(method, "GET");
            registry.version(subject, version, deleted);
            return List.of();
        }
        throw new SchemaRegistryException(RegistryError.NOT_FOUND, "HTTP 404 Not Found");
    }

    private Object config(String method, List<String> path, Map<String, String> query, InputStream body) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        if (path.size() == 1) {
            if (method.equals("PUT")) {
                out.put("compatibility", registry.setGlobalLevel(level(body)).name());
                return out;
            }
            expect(method, "GET");
            out.put("compatibilityLevel", registry.globalLevel().name());
            return out;
        }
        if (path.size() != 2) {
            throw new SchemaRegistryException(RegistryError.NOT_FOUND, "HTTP 404 Not Found");
        }
        String subject = path.get(1);
        switch (method) {
            case "PUT" -> out.put("compatibility", registry.setSubjectLevel(subject, level(body)).name());
            case "DELETE" -> out.put("compatibilityLevel", registry.clearSubjectLevel(subject).name());
            case "GET" -> out.put("compatibilityLevel",
                    registry.subjectLevel(subject, "true".equals(query.get("defaultToGlobal"))).name());
            default -> throw methodNotAllowed(method);
        }
        return out;
    }

    private static ObjectNode entryJson(SchemaEntry e) {
        ObjectNode out = JSON.createObjectNode();
        out.put("subject", e.subject());
        out.put("version", e.version());
        out.put("id", e.id());
        out.put("schema", e.schema());
        return out;
    }

    private static ObjectNode error(int code, String message) {
        ObjectNode out = JSON.createObjectNode();
        out.put("error_code", code);
        out.put("message", message);
        return out;
    }

    private static JsonNode readJson(InputStream body) throws IOException {
        byte[] bytes = body.readAllBytes();
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new SchemaRegistryException(RegistryError.BAD_REQUEST, "request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException(RegistryError.BAD_REQUEST, "unparsable JSON body: " + e.getOriginalMessage());
        }
    }

    /** The "schema" of a register/lookup/compatibility body; only self-contained Avro is served. */
    private static String schemaText(InputStream body) throws IOException {
        JsonNode json = readJson(body);
        String type = json.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException(RegistryError.INVALID_SCHEMA,
                    "Invalid schema type " + type + ": this registry serves AVRO only");
        }
        JsonNode references = json.get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw new SchemaRegistryException(RegistryError.INVALID_SCHEMA,
                    "schema references are not supported; inline the referenced types");
        }
        JsonNode schema = json.get("schema");
        if (schema == null || !schema.isTextual() || schema.asText().isBlank()) {
            throw new SchemaRegistryException(RegistryError.INVALID_SCHEMA, "Empty schema");
        }
        return schema.asText();
    }

    private static CompatibilityLevel level(InputStream body) throws IOException {
        JsonNode json = readJson(body);
        JsonNode level = json.has("compatibility") ? json.get("compatibility") : json.get("compatibilityLevel");
        try {
            return CompatibilityLevel.parse(level == null ? null : level.asText());
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryException(RegistryError.INVALID_COMPATIBILITY_LEVEL,
                    "Invalid compatibility level. " + e.getMessage());
        }
    }

    private static int parseId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new SchemaRegistryException(RegistryError.SCHEMA_NOT_FOUND, "Schema " + text + " not found");
        }
    }

    private static void expect(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw methodNotAllowed(method);
        }
    }

    private static SchemaRegistryException methodNotAllowed(String method) {
        return new SchemaRegistryException(RegistryError.METHOD_NOT_ALLOWED, "HTTP 405 Method " + method + " Not Allowed");
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(decode(s));
            }
        }
        return out;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> out = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                } else if (!pair.isEmpty()) {
                    out.put(decode(pair), "");
                }
            }
        }
        return out;
    }

    /** Percent-decoding of a path segment; '+' is literal in paths, unlike in forms. */
    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}

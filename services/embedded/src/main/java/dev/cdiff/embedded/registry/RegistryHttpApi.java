package dev.cdiff.embedded.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.platform.registry.CompatibilityLevel;
import dev.cdiff.platform.registry.RegistryError;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import dev.cdiff.platform.registry.SchemaRegistryException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Confluent Schema Registry REST API (v1, Avro only) over {@link RegistryService}, as Javalin routes. Errors
 * answer as Confluent does: {@code {"error_code": .., "message": ..}} with the status the code implies; the
 * framework's own refusals (unknown route 404, wrong method 405, oversized body 413) get the same shape, with the
 * status as the code.
 */
final class RegistryHttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryService registry;

    RegistryHttpApi(RegistryService registry) {
        this.registry = registry;
    }

    void routes(RoutesConfig r) {
        r.get("/", ctx -> send(ctx, 200, JSON.createObjectNode()));
        r.get("/schemas/types", ctx -> send(ctx, 200, List.of("AVRO")));
        r.get("/schemas/ids/{id}", ctx -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("schema", registry.schemaById(id(ctx)));
            send(ctx, 200, out);
        });
        r.get("/schemas/ids/{id}/versions", ctx -> {
            ArrayNode out = JSON.createArrayNode();
            registry.usesOfId(id(ctx)).forEach(e -> out.addObject().put("subject", e.subject())
                    .put("version", e.version()));
            send(ctx, 200, out);
        });
        r.get("/schemas/ids/{id}/schema", ctx -> send(ctx, 200, registry.schemaById(id(ctx))));
        r.post("/compatibility/subjects/{subject}/versions", ctx -> compatibility(ctx, null));
        r.post("/compatibility/subjects/{subject}/versions/{version}",
                ctx -> compatibility(ctx, ctx.pathParam("version")));

        r.get("/subjects", ctx -> send(ctx, 200, registry.subjects(flag(ctx, "deleted"))));
        r.post("/subjects/{subject}", ctx -> send(ctx, 200,
                entryJson(registry.lookup(subject(ctx), schemaText(ctx), flag(ctx, "deleted")))));
        r.delete("/subjects/{subject}", ctx -> send(ctx, 200,
                registry.deleteSubject(subject(ctx), flag(ctx, "permanent"))));
        r.get("/subjects/{subject}/versions", ctx -> send(ctx, 200,
                registry.versions(subject(ctx), flag(ctx, "deleted"))));
        r.post("/subjects/{subject}/versions", ctx -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("id", registry.register(subject(ctx), schemaText(ctx)));
            send(ctx, 200, out);
        });
        r.get("/subjects/{subject}/versions/{version}", ctx -> send(ctx, 200,
                entryJson(registry.version(subject(ctx), ctx.pathParam("version"), flag(ctx, "deleted")))));
        r.delete("/subjects/{subject}/versions/{version}", ctx -> send(ctx, 200,
                registry.deleteVersion(subject(ctx), ctx.pathParam("version"), flag(ctx, "permanent"))));
        r.get("/subjects/{subject}/versions/{version}/schema", ctx -> send(ctx, 200,
                registry.version(subject(ctx), ctx.pathParam("version"), flag(ctx, "deleted")).schema()));
        r.get("/subjects/{subject}/versions/{version}/referencedby", ctx -> {
            registry.version(subject(ctx), ctx.pathParam("version"), flag(ctx, "deleted"));
            send(ctx, 200, List.of());
        });

        r.get("/config", ctx -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("compatibilityLevel", registry.globalLevel().name());
            send(ctx, 200, out);
        });
        r.put("/config", ctx -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("compatibility", registry.setGlobalLevel(level(ctx)).name());
            send(ctx, 200, out);
        });
        r.get("/config/{subject}", ctx -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("compatibilityLevel", registry.subjectLevel(subject(ctx), flag(ctx, "defaultToGlobal")).name());
            send(ctx, 200, out);
        });
        r.put("/config/{subject}", ctx -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("compatibility", registry.setSubjectLevel(subject(ctx), level(ctx)).name());
            send(ctx, 200, out);
        });
        r.delete("/config/{subject}", ctx -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("compatibilityLevel", registry.clearSubjectLevel(subject(ctx)).name());
            send(ctx, 200, out);
        });

        r.exception(SchemaRegistryException.class, (e, ctx) ->
                send(ctx, e.httpStatus(), error(e.errorCode(), e.serverMessage())));
        r.exception(HttpResponseException.class, (e, ctx) -> {
            int status = e.getStatus();
            String message = switch (status) {
                case 404 -> "HTTP 404 Not Found";
                case 405 -> "HTTP 405 Method " + ctx.method().name() + " Not Allowed";
                default -> "HTTP " + status + " " + e.getMessage();
            };
            send(ctx, status, error(status, message));
        });
        r.exception(Exception.class, (e, ctx) -> {
            LOG.error("registry request {} {} failed", ctx.method().name(), ctx.path(), e);
            send(ctx, 500, error(RegistryError.INTERNAL.code(), "Internal error: " + e));
        });
    }

    private void compatibility(Context ctx, String version) {
        RegistryService.CompatibilityVerdict verdict =
                registry.checkCompatibility(subject(ctx), version, schemaText(ctx));
        ObjectNode out = JSON.createObjectNode();
        out.put("is_compatible", verdict.compatible());
        if (flag(ctx, "verbose")) {
            ArrayNode messages = out.putArray("messages");
            verdict.messages().forEach(messages::add);
        }
        send(ctx, 200, out);
    }

    /** A string answer (a bare schema) is sent as it is; anything else as JSON. */
    private static void send(Context ctx, int status, Object body) {
        try {
            byte[] bytes = body instanceof String raw ? raw.getBytes(StandardCharsets.UTF_8)
                    : JSON.writeValueAsBytes(body);
            ctx.status(status).contentType(SchemaRegistryClient.CONTENT_TYPE).result(bytes);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String subject(Context ctx) {
        return ctx.pathParam("subject");
    }

    private static boolean flag(Context ctx, String name) {
        return "true".equals(ctx.queryParam(name));
    }

    private static int id(Context ctx) {
        return parseId(ctx.pathParam("id"));
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

    /** The body as a JSON object; reading it is where the framework's {@code http.maxRequestSize} applies. */
    private static JsonNode readJson(Context ctx) {
        byte[] bytes = ctx.bodyAsBytes();
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new SchemaRegistryException(RegistryError.BAD_REQUEST, "request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException(RegistryError.BAD_REQUEST, "unparsable JSON body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The "schema" of a register/lookup/compatibility body; only self-contained Avro is served. */
    private static String schemaText(Context ctx) {
        JsonNode json = readJson(ctx);
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

    private static CompatibilityLevel level(Context ctx) {
        JsonNode json = readJson(ctx);
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
}

package dev.cdiff.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cdiff.gateway.GatewaySettings;
import dev.cdiff.gateway.console.ConsolePages;
import dev.cdiff.platform.config.ServiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The served OpenAPI document and the server agree: it parses as OpenAPI 3, and the operations it describes are
 * exactly the routes the Javalin server registers (API, health and console), no more and no fewer.
 */
class OpenApiDocumentTest {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");

    @TempDir
    Path work;

    static JsonNode document() throws Exception {
        try (InputStream in = GatewayHttpApi.class.getResourceAsStream("/openapi.yaml")) {
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        }
    }

    @Test
    void documentParsesAsOpenApi3WithResolvableReferences() throws Exception {
        JsonNode doc = document();
        assertTrue(doc.path("openapi").asText().startsWith("3."), "an OpenAPI 3 document");
        assertFalse(doc.path("info").path("title").asText().isBlank());
        assertTrue(doc.path("paths").size() > 10);
        // every $ref points at something the document defines
        for (String ref : refs(doc, new TreeSet<>())) {
            assertTrue(ref.startsWith("#/"), ref);
            JsonNode target = doc.at(ref.substring(1));
            assertFalse(target.isMissingNode(), "unresolvable " + ref);
        }
    }

    @Test
    void everyRegisteredRouteIsDocumentedAndEveryDocumentedOperationIsRegistered() throws Exception {
        Set<String> documented = new TreeSet<>();
        Iterator<Map.Entry<String, JsonNode>> paths = document().path("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    documented.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            });
        }
        GatewaySettings settings = GatewaySettings.from(ServiceConfig.of(Map.of(GatewaySettings.KEYS_FILE,
                work.resolve("keys.json").toString())));
        // routes are registered when the server is made; nothing here is asked a question, so nothing is wired
        ConsolePages console = new ConsolePages(null, null, null, null, null, null, 1 << 20, Duration.ofHours(1));
        try (BodyDeadline deadline = new BodyDeadline(Duration.ofSeconds(1));
             GatewayHttpApi api = new GatewayHttpApi(settings, null, null, null, null, null, deadline, Map.of(),
                     console::register)) {
            Set<String> registered = new TreeSet<>(api.routes());
            assertTrue(registered.contains("POST /v1/concepts"), registered.toString());
            assertTrue(registered.contains("GET /console/jobs/{jobId}"), registered.toString());
            assertEquals(registered, documented, "registered routes vs. openapi.yaml");
        }
    }

    private static Set<String> refs(JsonNode node, Set<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> {
                if (f.getKey().equals("$ref")) {
                    into.add(f.getValue().asText());
                } else {
                    refs(f.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> refs(n, into));
        }
        return into;
    }
}

package dev.cdiff.embedded.security;

import dev.cdiff.embedded.testing.LoopbackStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only the services write schemas. An outsider who could register a schema under a topic's subject could make every
 * consumer decode its records (the attack registered its own schema, then sent a forged MergeRequested).
 */
class RegistryOutsiderAttackTest {
    private static final String SCHEMA = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Evil\\\","
            + "\\\"fields\\\":[{\\\"name\\\":\\\"tenantId\\\",\\\"type\\\":\\\"string\\\"}]}\"}";
    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        // a schema the services registered, so there is something to lose
        stack.registryClient.register("merge-requested-value", "{\"type\":\"record\",\"name\":\"Good\",\"fields\":[]}");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static HttpResponse<String> call(String method, String path, String body, String authorization)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(stack.registry.url() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRegistryUnchanged() {
        assertEquals(List.of("merge-requested-value"), stack.registryClient.subjects());
        assertEquals(List.of(1), stack.registryClient.versions("merge-requested-value"));
    }

    @Test
    void registeringASchemaWithoutCredentialsIsRefused() throws Exception {
        HttpResponse<String> r = call("POST", "/subjects/merge-requested-value/versions", SCHEMA, null);
        assertEquals(401, r.statusCode());
        assertTrue(r.body().contains("\"error_code\":401"), r.body());
        assertRegistryUnchanged();
    }

    @Test
    void registeringASchemaWithAWrongPasswordIsRefused() throws Exception {
        HttpResponse<String> r = call("POST", "/subjects/outsider-value/versions", SCHEMA,
                basic("services", "guessed-password"));
        assertEquals(401, r.statusCode());
        assertRegistryUnchanged();
    }

    @Test
    void deletingASubjectWithoutCredentialsIsRefused() throws Exception {
        assertEquals(401, call("DELETE", "/subjects/merge-requested-value", null, null).statusCode());
        assertEquals(401, call("DELETE", "/subjects/merge-requested-value?permanent=true", null, null).statusCode());
        assertRegistryUnchanged();
    }

    @Test
    void relaxingCompatibilityWithoutCredentialsIsRefused() throws Exception {
        // NONE would let the next forged schema through any compatibility check
        assertEquals(401, call("PUT", "/config", "{\"compatibility\":\"NONE\"}", null).statusCode());
        assertEquals(401, call("PUT", "/config/merge-requested-value", "{\"compatibility\":\"NONE\"}", null)
                .statusCode());
        assertEquals("BACKWARD", stack.registryClient.globalCompatibility().name());
        assertRegistryUnchanged();
    }
}

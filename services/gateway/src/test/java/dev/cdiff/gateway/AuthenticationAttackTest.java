package dev.cdiff.gateway;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static dev.cdiff.gateway.GatewayAttackStack.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Requests without a valid key: each is answered 401 with a JSON reason, and nothing is stored or published. */
class AuthenticationAttackTest {
    @TempDir
    static Path workspace;
    static GatewayAttackStack s;

    @BeforeAll
    static void start() throws Exception {
        s = new GatewayAttackStack(workspace, Map.of());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void uploadWithoutAKeyIsRefused() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        HttpResponse<String> r = s.upload(null, 4, 200, Map.of());
        assertRefused(401, "UNAUTHENTICATED", r);
        assertEquals("Bearer realm=\"cdiff\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
        s.assertNoSideEffect(before);
    }

    @Test
    void uploadWithAWellFormedButUnknownKeyIsRefused() throws Exception {
        String forged = "cdk_" + s.alphaKey.substring(4, 20) + "_" + "A".repeat(43);
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(401, "UNAUTHENTICATED", s.upload(forged, 4, 200, Map.of()));
        s.assertNoSideEffect(before);
    }

    @Test
    void anotherTenantsKeyIdWithThisTenantsSecretIsRefused() throws Exception {
        String spliced = s.betaKey.substring(0, 21) + s.alphaKey.substring(21);
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(401, "UNAUTHENTICATED", s.postJson("/v1/samples", spliced, "{\"prompts\":[\"a dog\"]}"));
        s.assertNoSideEffect(before);
    }

    @Test
    void garbageInTheAuthorizationHeaderIsRefused() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(401, "UNAUTHENTICATED", s.get("/v1/jobs", "not-a-key"));
        assertRefused(401, "UNAUTHENTICATED", s.get("/v1/jobs", "cdk_../../etc/passwd"));
        s.assertNoSideEffect(before);
    }

    @Test
    void revokedKeyIsRefusedAtOnceWhileTheTenantsOtherKeyStillWorks() throws Exception {
        String doomed = s.keys.createKey("alpha").secretText();
        assertEquals(200, s.get("/v1/whoami", doomed).statusCode(), "the key works before it is revoked");
        s.keys.revokeKey(doomed.substring(4, 20));
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(401, "UNAUTHENTICATED", s.upload(doomed, 4, 200, Map.of()));
        assertRefused(401, "UNAUTHENTICATED", s.get("/v1/jobs", doomed));
        s.assertNoSideEffect(before);
        assertEquals("alpha", GatewayAttackStack.json(s.get("/v1/whoami", s.alphaKey)).path("tenant").asText());
    }
}

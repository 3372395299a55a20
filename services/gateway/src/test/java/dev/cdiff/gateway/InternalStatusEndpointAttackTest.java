package dev.cdiff.gateway;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The measured hole of issue 7: anyone who could reach the orchestrator read {@code /jobs?tenant=...}. Its job
 * endpoint now answers only the service token; tenants get their jobs through the gateway.
 */
class InternalStatusEndpointAttackTest {
    @TempDir
    static Path workspace;
    static GatewayAttackStack s;
    static String betaJob;

    @BeforeAll
    static void start() throws Exception {
        s = new GatewayAttackStack(workspace, Map.of());
        betaJob = s.finishedMerge("beta");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static HttpResponse<String> orchestrator(String path, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(s.orchestrator.httpUrl() + path)).GET();
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return GatewayAttackStack.HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void tenantJobListWithoutTheServiceTokenIsRefused() throws Exception {
        HttpResponse<String> r = orchestrator("/jobs?tenant=beta", null);
        assertEquals(401, r.statusCode(), r.body());
        assertFalse(r.body().contains(betaJob));
        assertEquals(200, orchestrator("/jobs?tenant=beta", GatewayAttackStack.ORCHESTRATOR_TOKEN).statusCode(),
                "the gateway's token is accepted");
    }

    @Test
    void jobStatusWithAWrongServiceTokenIsRefused() throws Exception {
        assertEquals(401, orchestrator("/jobs/" + betaJob, "not-the-token-0123456789").statusCode());
        assertEquals(401, orchestrator("/jobs/" + betaJob, s.betaKey).statusCode(),
                "a tenant's API key is no service token");
    }
}

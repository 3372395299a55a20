package dev.cdiff.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static dev.cdiff.gateway.GatewayAttackStack.assertRefused;
import static dev.cdiff.gateway.GatewayAttackStack.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Download links are the credential for an artifact: issued only for the caller's prefix, short-lived (two seconds
 * here), and refused once expired or edited in any part.
 */
class DownloadLinkAttackTest {
    @TempDir
    static Path workspace;
    static GatewayAttackStack s;
    static String alphaJob;
    static String betaJob;

    @BeforeAll
    static void start() throws Exception {
        s = new GatewayAttackStack(workspace, Map.of(GatewaySettings.LINK_TTL_SECONDS, "2"));
        alphaJob = s.finishedMerge("alpha");
        betaJob = s.finishedMerge("beta");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static String link(String job, String key) throws Exception {
        JsonNode artifacts = json(s.get("/v1/jobs/" + job + "/artifacts", key)).path("artifacts");
        for (JsonNode a : artifacts) {
            if ("merged-delta".equals(a.path("role").asText())) {
                return a.path("url").asText();
            }
        }
        throw new AssertionError("no merged-delta link in " + artifacts);
    }

    private static HttpResponse<String> fetch(String url) throws Exception {
        return GatewayAttackStack.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void freshLinkDownloadsTheTenantsOwnArtifactWithoutAKey() throws Exception {
        HttpResponse<String> r = fetch(link(alphaJob, s.alphaKey));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("delta of " + alphaJob), r.body());
    }

    @Test
    void expiredLinkIsRefused() throws Exception {
        String url = link(alphaJob, s.alphaKey);
        Thread.sleep(3100);
        assertRefused(403, "LINK_EXPIRED", fetch(url));
    }

    @Test
    void linkEditedToAnotherTenantsKeyIsRefused() throws Exception {
        String alphaUrl = link(alphaJob, s.alphaKey);
        String betaKey = json(s.get("/v1/jobs/" + betaJob, s.betaKey)).path("merge").path("merged").path("key")
                .asText();
        String alphaKey = json(s.get("/v1/jobs/" + alphaJob, s.alphaKey)).path("merge").path("merged").path("key")
                .asText();
        String edited = alphaUrl.replace(enc(alphaKey), enc(betaKey)).replace("tenant=alpha", "tenant=beta");
        assertTrue(edited.contains(enc(betaKey)), edited);
        assertRefused(403, "BAD_SIGNATURE", fetch(edited));
        assertRefused(403, "BAD_SIGNATURE", fetch(alphaUrl.replace(enc(alphaKey), enc(betaKey))));
    }

    @Test
    void linkWithAnExtendedExpiryIsRefused() throws Exception {
        String url = link(alphaJob, s.alphaKey);
        String expires = url.replaceAll(".*[?&]expires=(\\d+).*", "$1");
        assertRefused(403, "BAD_SIGNATURE", fetch(url.replace("expires=" + expires,
                "expires=" + (Long.parseLong(expires) + 86_400))));
    }

    @Test
    void linkWithAForgedSignatureIsRefused() throws Exception {
        String url = link(alphaJob, s.alphaKey);
        String forged = url.replaceAll("sig=[^&]*", "sig=" + "A".repeat(43));
        assertRefused(403, "BAD_SIGNATURE", fetch(forged));
        assertRefused(400, "MALFORMED_LINK", fetch(url.replaceAll("&sig=[^&]*", "")));
    }

    private static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}

package dev.cdiff.gateway;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console as an attacker meets it, over plain HTTP: another tenant's session sees neither the job page nor its
 * images, forms without the session's CSRF token or from another origin start nothing, tenant text is escaped, the
 * session cookie is HttpOnly and SameSite=Strict, and the key never appears in a URL.
 */
class ConsoleAttackTest {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    @TempDir
    static Path workspace;
    static GatewayAttackStack s;
    static String alphaJob;

    @BeforeAll
    static void start() throws Exception {
        s = new GatewayAttackStack(workspace, Map.of());
        alphaJob = new ConsoleScenes(s).finished("alpha", "rex");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    record Browser(String cookie, String csrf) {
    }

    static HttpResponse<String> signInResponse(String key, String origin) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(s.base + "/console/sign-in"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("apiKey=" + URLEncoder.encode(key, StandardCharsets.UTF_8)));
        if (origin != null) {
            r.header("Origin", origin);
        }
        return GatewayAttackStack.HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Browser signIn(String key) throws Exception {
        HttpResponse<String> r = signInResponse(key, s.base);
        assertEquals(303, r.statusCode(), r.body());
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        Matcher m = CSRF.matcher(page("/console/jobs", cookie).body());
        assertTrue(m.find(), "the page carries the session's CSRF token");
        return new Browser(cookie, m.group(1));
    }

    static HttpResponse<String> page(String path, String cookie) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(s.base + path)).timeout(Duration.ofSeconds(30));
        if (cookie != null) {
            r.header("Cookie", cookie);
        }
        return GatewayAttackStack.HTTP.send(r.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> postForm(String path, String cookie, String origin, String form) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(s.base + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) {
            r.header("Cookie", cookie);
        }
        if (origin != null) {
            r.header("Origin", origin);
        }
        return GatewayAttackStack.HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void signInSetsAStrictHttpOnlySessionCookieAndKeepsTheKeyOutOfUrls() throws Exception {
        HttpResponse<String> r = signInResponse(s.alphaKey, s.base);
        assertEquals(303, r.statusCode());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.contains("HttpOnly"), cookie);
        assertTrue(cookie.contains("SameSite=Strict"), cookie);
        assertTrue(cookie.contains("Path=/console"), cookie);
        assertFalse(cookie.contains(s.alphaKey), "the cookie is a session id, not the key");
        assertEquals("/console/jobs", r.headers().firstValue("Location").orElseThrow());
        HttpResponse<String> form = page("/console/sign-in", null);
        assertTrue(form.body().contains("method=\"post\""), "the key is posted, never sent in a query");
        assertEquals(401, signInResponse("cdk_" + "0".repeat(16) + "_" + "A".repeat(43), s.base).statusCode());
    }

    @Test
    void pagesCarryAStrictContentSecurityPolicyAndNeedASession() throws Exception {
        Browser alpha = signIn(s.alphaKey);
        HttpResponse<String> jobs = page("/console/jobs", alpha.cookie());
        assertEquals(200, jobs.statusCode());
        String csp = jobs.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.startsWith("default-src 'self'"), csp);
        assertFalse(jobs.body().contains("<script"), "no script at all");
        assertTrue(jobs.body().contains(alphaJob.substring(0, 13)), "alpha sees its job");
        HttpResponse<String> anonymous = page("/console/jobs", null);
        assertEquals(303, anonymous.statusCode());
        assertEquals("/console/sign-in", anonymous.headers().firstValue("Location").orElseThrow());
        assertEquals(303, page("/console/jobs", "cdiff_session=" + "A".repeat(43)).statusCode(), "forged session");
    }

    @Test
    void anotherTenantsSessionSeesNeitherTheJobPageNorItsImages() throws Exception {
        Browser alpha = signIn(s.alphaKey);
        Browser beta = signIn(s.betaKey);
        HttpResponse<String> own = page("/console/jobs/" + alphaJob, alpha.cookie());
        assertEquals(200, own.statusCode());
        List<String> imageLinks = Pattern.compile("<img src=\"([^\"]+)\"").matcher(own.body()).results()
                .map(m -> m.group(1).replace("&amp;", "&")).toList();
        assertEquals(8, imageLinks.size(), "4 concept images and 4 samples: " + imageLinks);
        HttpResponse<byte[]> image = GatewayAttackStack.HTTP.send(HttpRequest.newBuilder(URI.create(s.base
                + imageLinks.get(0))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, image.statusCode());
        assertEquals("image/png", image.headers().firstValue("Content-Type").orElse(""));

        HttpResponse<String> theirs = page("/console/jobs/" + alphaJob, beta.cookie());
        assertEquals(404, theirs.statusCode());
        assertFalse(theirs.body().contains("/v1/downloads"), "no image link for beta");
        assertFalse(theirs.body().contains("rex"), "nothing of alpha's job: " + theirs.body());
        assertFalse(page("/console/jobs", beta.cookie()).body().contains(alphaJob), "not in beta's list");
        // a download link is bound to alpha's tenant and key: handing beta's session changes nothing about it,
        // and beta cannot make one for alpha's key (covered by DownloadLinkAttackTest)
        GatewayAttackStack.Snapshot before = s.snapshot();
        HttpResponse<String> sample = postForm("/console/jobs/" + alphaJob + "/samples", beta.cookie(), s.base,
                "csrf=" + beta.csrf() + "&prompt=steal&steps=5&seed=1");
        assertEquals(404, sample.statusCode(), sample.body());
        s.assertNoSideEffect(before);
    }

    @Test
    void formsWithoutTheSessionsTokenOrFromAnotherOriginStartNothing() throws Exception {
        Browser alpha = signIn(s.alphaKey);
        GatewayAttackStack.Snapshot before = s.snapshot();
        String path = "/console/jobs/" + alphaJob + "/samples";
        assertEquals(403, postForm(path, alpha.cookie(), s.base, "prompt=x&steps=5").statusCode(), "no token");
        assertEquals(403, postForm(path, alpha.cookie(), s.base, "csrf=" + "B".repeat(43) + "&prompt=x")
                .statusCode(), "wrong token");
        assertEquals(403, postForm(path, alpha.cookie(), "http://evil.example", "csrf=" + alpha.csrf()
                + "&prompt=x").statusCode(), "other origin");
        assertEquals(303, postForm(path, null, s.base, "csrf=" + alpha.csrf() + "&prompt=x").statusCode(),
                "no session: to the sign-in page");
        assertEquals(403, signInResponse(s.alphaKey, "http://evil.example").statusCode(), "login CSRF");
        s.assertNoSideEffect(before);
        HttpResponse<String> ok = postForm(path, alpha.cookie(), s.base, "csrf=" + alpha.csrf()
                + "&prompt=a+%3Cnew1%3E+dog&steps=5&seed=3");
        assertEquals(303, ok.statusCode(), ok.body());
        assertTrue(ok.headers().firstValue("Location").orElseThrow().startsWith("/console/jobs/"));
    }

    @Test
    void tenantTextIsEscapedEverywhereItIsShown() throws Exception {
        String hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'";
        HttpResponse<String> r = s.postJson("/v1/samples", s.alphaKey, GatewayAttackStack.JSON.createObjectNode()
                .set("prompts", GatewayAttackStack.JSON.createArrayNode().add(hostile)).toString());
        assertEquals(202, r.statusCode(), r.body());
        String jobId = GatewayAttackStack.json(r).path("jobId").asText();
        s.awaitStage("alpha", jobId, "SAMPLING", Duration.ofSeconds(60));
        Browser alpha = signIn(s.alphaKey);
        String list = page("/console/jobs", alpha.cookie()).body();
        assertTrue(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;"),
                list);
        assertFalse(list.contains("<script>"), list);
        assertFalse(list.contains("<img src=x"), list);
    }

    @Test
    void revokingTheKeyEndsItsConsoleSession() throws Exception {
        String doomed = s.keys.createKey("alpha").secretText();
        Browser session = signIn(doomed);
        assertEquals(200, page("/console/jobs", session.cookie()).statusCode());
        s.keys.revokeKey(doomed.substring(4, 20));
        assertEquals(303, page("/console/jobs", session.cookie()).statusCode());
    }
}

package dev.cdiff.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.cdiff.gateway.GatewayAttackStack.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Joint (multi-concept) submissions that should not become a job: one concept, shared or malformed tokens, too many
 * concepts or images, images that belong to no concept, another tenant's keys. Each is refused with a reason code
 * and leaves no stored object and no event; a well-formed joint upload is the control.
 */
class JointSubmissionAttackTest {
    @TempDir
    static Path workspace;
    static GatewayAttackStack s;

    @BeforeAll
    static void start() throws Exception {
        s = new GatewayAttackStack(workspace, Map.of(GatewaySettings.MAX_IMAGES, "5"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A concept of a joint upload: its text fields and how many images it attaches. */
    record Part(Map<String, String> fields, int images) {
        static Part of(String classWord, String token, int images) {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("conceptName", "my " + classWord);
            f.put("classWord", classWord);
            if (token != null) {
                f.put("token", token);
            }
            return new Part(f, images);
        }
    }

    static HttpResponse<String> joint(List<Part> concepts, Map<String, String> extraParts) throws Exception {
        String boundary = "b-" + UUID.randomUUID();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        int n = 0;
        for (int c = 0; c < concepts.size(); c++) {
            String prefix = "concept" + (c + 1) + ".";
            for (var f : concepts.get(c).fields().entrySet()) {
                text(body, boundary, prefix + f.getKey(), f.getValue());
            }
            for (int i = 0; i < concepts.get(c).images(); i++) {
                file(body, boundary, prefix + "image", n++);
            }
        }
        for (var e : extraParts.entrySet()) {
            if (e.getValue() == null) {
                file(body, boundary, e.getKey(), n++);
            } else {
                text(body, boundary, e.getKey(), e.getValue());
            }
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest r = HttpRequest.newBuilder(URI.create(s.base + "/v1/concepts/joint"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + s.alphaKey)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        return GatewayAttackStack.HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static void text(java.io.ByteArrayOutputStream body, String boundary, String name, String value) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void file(java.io.ByteArrayOutputStream body, String boundary, String name, int n) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"p"
                + n + ".png\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] image = new byte[200];
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
        System.arraycopy(signature, 0, image, 0, signature.length);
        image[199] = (byte) n;
        body.writeBytes(image);
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    void assertRefusedWithoutTrace(int status, String code, List<Part> concepts, Map<String, String> extra)
            throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(status, code, joint(concepts, extra));
        s.assertNoSideEffect(before);
    }

    @Test
    void aWellFormedJointUploadStartsOneJobWithATokenPerConcept() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        HttpResponse<String> r = joint(List.of(Part.of("dog", null, 4), Part.of("cat", "<new2>", 4)), Map.of());
        assertEquals(202, r.statusCode(), r.body());
        JsonNode answer = GatewayAttackStack.json(r);
        assertEquals("[\"<new1>\",\"<new2>\"]", answer.path("tokens").toString());
        assertEquals(8, answer.path("images").asInt());
        Thread.sleep(300);
        assertEquals(before.objects().size() + 8, s.snapshot().objects().size(), "both concepts' images stored");
        assertNotEquals(before.topicEnds(), s.snapshot().topicEnds(), "one IngestionRequested published");
    }

    @Test
    void oneConceptIsNotAJointJob() throws Exception {
        assertRefusedWithoutTrace(400, "TOO_FEW_CONCEPTS", List.of(Part.of("dog", null, 4)), Map.of());
    }

    @Test
    void twoConceptsSharingATokenAreRefused() throws Exception {
        assertRefusedWithoutTrace(400, "INVALID_TOKEN",
                List.of(Part.of("dog", "<new2>", 4), Part.of("cat", "<new2>", 4)), Map.of());
        // a default token (<new1> for the first) taken explicitly by the second
        assertRefusedWithoutTrace(400, "INVALID_TOKEN",
                List.of(Part.of("dog", null, 4), Part.of("cat", "<new1>", 4)), Map.of());
    }

    @Test
    void tokensOutsideTheGrammarAreRefused() throws Exception {
        for (String token : List.of("<sks>", "dog", "<new0>", "<new100>", "<new1> photo", "</new1>", "<new1><new2>")) {
            assertRefusedWithoutTrace(400, "INVALID_TOKEN",
                    List.of(Part.of("dog", null, 4), Part.of("cat", token, 4)), Map.of());
        }
    }

    @Test
    void moreConceptsThanOneRunMayLearnAreRefused() throws Exception {
        List<Part> five = new ArrayList<>();
        for (String c : List.of("dog", "cat", "car", "cup", "hat")) {
            five.add(Part.of(c, null, 4));
        }
        assertRefusedWithoutTrace(422, "TOO_MANY_CONCEPTS", five, Map.of());
    }

    @Test
    void tooManyImagesForOneConceptAreRefused() throws Exception {
        assertRefusedWithoutTrace(422, "TOO_MANY_IMAGES", List.of(Part.of("dog", null, 4), Part.of("cat", null, 6)),
                Map.of());
    }

    @Test
    void aConceptWithoutImagesOrClassIsRefused() throws Exception {
        assertRefusedWithoutTrace(400, "NO_IMAGES", List.of(Part.of("dog", null, 4), Part.of("cat", null, 0)),
                Map.of());
        Part classless = new Part(Map.of("conceptName", "thing"), 4);
        assertRefusedWithoutTrace(400, "MALFORMED_REQUEST", List.of(Part.of("dog", null, 4), classless), Map.of());
    }

    @Test
    void anImageOfNoConceptIsRefusedNotDropped() throws Exception {
        Map<String, String> stray = new LinkedHashMap<>();
        stray.put("images", null);
        assertRefusedWithoutTrace(400, "MALFORMED_REQUEST", List.of(Part.of("dog", null, 4), Part.of("cat", null, 4)),
                stray);
    }

    @Test
    void numberingWithAGapIsRefused() throws Exception {
        Map<String, String> third = new LinkedHashMap<>();
        third.put("concept4.classWord", "car");
        third.put("concept4.conceptName", "my car");
        third.put("concept4.image", null);
        assertRefusedWithoutTrace(400, "MALFORMED_REQUEST", List.of(Part.of("dog", null, 4), Part.of("cat", null, 4)),
                third);
    }

    @Test
    void aTenantFieldIsRefused() throws Exception {
        assertRefusedWithoutTrace(400, "TENANT_FROM_REQUEST",
                List.of(Part.of("dog", null, 4), Part.of("cat", null, 4)), Map.of("tenant", "beta"));
    }

    @Test
    void fromStorageRefusesAnotherTenantsKeysAndOneConcept() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        String foreign = "{\"concepts\":[{\"conceptName\":\"a\",\"classWord\":\"dog\",\"sourceKeys\":"
                + "[\"tenants/alpha/uploads/x.png\"]},{\"conceptName\":\"b\",\"classWord\":\"cat\",\"token\":\"<new2>\","
                + "\"sourceKeys\":[\"tenants/beta/uploads/y.png\"]}]}";
        assertRefused(403, "OUTSIDE_PREFIX", s.postJson("/v1/concepts/joint/from-storage", s.alphaKey, foreign));
        String single = "{\"concepts\":[{\"conceptName\":\"a\",\"classWord\":\"dog\",\"sourceKeys\":"
                + "[\"tenants/alpha/uploads/x.png\"]}]}";
        assertRefused(400, "TOO_FEW_CONCEPTS", s.postJson("/v1/concepts/joint/from-storage", s.alphaKey, single));
        String shared = "{\"concepts\":[{\"conceptName\":\"a\",\"classWord\":\"dog\",\"token\":\"<new3>\",\"sourceKeys\":"
                + "[\"tenants/alpha/uploads/x.png\"]},{\"conceptName\":\"b\",\"classWord\":\"cat\",\"token\":\"<new3>\","
                + "\"sourceKeys\":[\"tenants/alpha/uploads/y.png\"]}]}";
        assertRefused(400, "INVALID_TOKEN", s.postJson("/v1/concepts/joint/from-storage", s.alphaKey, shared));
        String unknown = "{\"concepts\":[{\"conceptName\":\"a\",\"classWord\":\"dog\",\"tenantId\":\"beta\"},{}]}";
        assertRefused(400, "UNKNOWN_FIELD", s.postJson("/v1/concepts/joint/from-storage", s.alphaKey, unknown));
        s.assertNoSideEffect(before);
    }
}

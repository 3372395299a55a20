package dev.cdiff.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.platform.Topics;
import dev.cdiff.schemas.events.MergeRequested;
import dev.cdiff.schemas.events.SampleRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.cdiff.embedded.testing.LoopbackStack.await;
import static dev.cdiff.gateway.GatewayAttackStack.assertRefused;
import static dev.cdiff.gateway.GatewayAttackStack.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tenant alpha, with a valid key, reaching for tenant beta's jobs and artifacts: every attempt is answered like a
 * job that does not exist (404) or a prefix that is not alpha's (403), and nothing is stored or published. The
 * control test shows the same requests work on alpha's own job, so the refusals are not an accident.
 */
class CrossTenantAttackTest {
    @TempDir
    static Path workspace;
    static GatewayAttackStack s;
    static String alphaJob;
    static String betaJob;
    static String betaJob2;

    @BeforeAll
    static void start() throws Exception {
        s = new GatewayAttackStack(workspace, Map.of());
        alphaJob = s.finishedMerge("alpha");
        betaJob = s.finishedMerge("beta");
        betaJob2 = s.finishedMerge("beta");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void ownJobIsReadableSampleableAndMergeable() throws Exception {
        assertEquals(200, s.get("/v1/jobs/" + alphaJob, s.alphaKey).statusCode());
        assertEquals(200, s.get("/v1/jobs/" + alphaJob + "/events", s.alphaKey).statusCode());
        HttpResponse<String> sample = s.postJson("/v1/samples", s.alphaKey,
                "{\"job\":\"" + alphaJob + "\",\"prompts\":[\"a <new1> dog\"],\"steps\":2}");
        assertEquals(202, sample.statusCode(), sample.body());
        String sampleJob = json(sample).path("jobId").asText();
        try (KafkaConsumer<String, SpecificRecord> consumer = s.stack.consumer(Topics.SAMPLE_REQUESTED)) {
            SampleRequested published = await(consumer, SampleRequested.class,
                    e -> e.getJobId().equals(sampleJob), 1, Duration.ofSeconds(30)).get(0);
            assertEquals("alpha", published.getTenantId(), "the tenant is the key's");
            assertTrue(published.getDelta().getKey().startsWith("tenants/alpha/deltas/"));
        }
        try (KafkaConsumer<String, SpecificRecord> consumer = s.stack.consumer(Topics.MERGE_REQUESTED)) {
            HttpResponse<String> merge = s.postJson("/v1/merges", s.alphaKey,
                    "{\"jobs\":[\"" + alphaJob + "\",\"" + alphaJob + "\"]}");
            assertEquals(202, merge.statusCode(), merge.body());
            String mergeJob = json(merge).path("jobId").asText();
            MergeRequested published = await(consumer, MergeRequested.class,
                    e -> e.getJobId().equals(mergeJob), 1, Duration.ofSeconds(30)).get(0);
            // the sources' class sets travel on, so the merge is constrained by their captions too
            assertEquals(List.of(GatewayAttackStack.classSetOf("alpha")), published.getClassSetDigests());
        }
        JsonNode artifacts = json(s.get("/v1/jobs/" + alphaJob + "/artifacts", s.alphaKey)).path("artifacts");
        List<String> roles = new java.util.ArrayList<>();
        artifacts.forEach(a -> roles.add(a.path("role").asText()));
        assertEquals(List.of("merged-delta", "merge-captions", "merge-diagnostics"), roles);
    }

    @Test
    void anotherTenantsJobStatusIsNotFound() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        HttpResponse<String> r = s.get("/v1/jobs/" + betaJob, s.alphaKey);
        assertRefused(404, "NOT_FOUND", r);
        assertFalse(r.body().contains("beta"), "nothing of beta's job leaks: " + r.body());
        assertEquals(200, s.get("/v1/jobs/" + betaJob, s.betaKey).statusCode(), "beta itself sees it");
        s.assertNoSideEffect(before);
    }

    @Test
    void anotherTenantsJobEventsAreNotFound() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(404, "NOT_FOUND", s.get("/v1/jobs/" + betaJob + "/events", s.alphaKey));
        assertRefused(404, "NOT_FOUND", s.get("/v1/jobs/" + betaJob + "/loss", s.alphaKey));
        s.assertNoSideEffect(before);
    }

    @Test
    void anotherTenantsJobsAreNotListed() throws Exception {
        JsonNode jobs = json(s.get("/v1/jobs", s.alphaKey)).path("jobs");
        assertFalse(jobs.isEmpty(), "alpha's own jobs are listed");
        jobs.forEach(j -> assertEquals("alpha", j.path("tenantId").asText()));
        assertFalse(jobs.toString().contains(betaJob));
    }

    @Test
    void samplingAnotherTenantsDeltaIsRefused() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(404, "NOT_FOUND", s.postJson("/v1/samples", s.alphaKey,
                "{\"job\":\"" + betaJob + "\",\"prompts\":[\"a <new1> dog\"]}"));
        s.assertNoSideEffect(before);
    }

    @Test
    void mergingAnotherTenantsDeltasIsRefused() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(404, "NOT_FOUND", s.postJson("/v1/merges", s.alphaKey,
                "{\"jobs\":[\"" + betaJob + "\",\"" + betaJob2 + "\"]}"));
        // one own job does not carry a foreign one in with it
        assertRefused(404, "NOT_FOUND", s.postJson("/v1/merges", s.alphaKey,
                "{\"jobs\":[\"" + alphaJob + "\",\"" + betaJob + "\"]}"));
        s.assertNoSideEffect(before);
    }

    @Test
    void anotherTenantsArtifactsGetNoDownloadLink() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(404, "NOT_FOUND", s.get("/v1/jobs/" + betaJob + "/artifacts", s.alphaKey));
        s.assertNoSideEffect(before);
    }

    @Test
    void ingestingFromAnotherTenantsPrefixIsRefused() throws Exception {
        String betaDelta = json(s.get("/v1/jobs/" + betaJob, s.betaKey)).path("merge").path("merged").path("key")
                .asText();
        assertTrue(betaDelta.startsWith("tenants/beta/"), betaDelta);
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(403, "OUTSIDE_PREFIX", s.postJson("/v1/concepts/from-storage", s.alphaKey,
                "{\"conceptName\":\"x\",\"classWord\":\"dog\",\"sourceKeys\":[\"" + betaDelta + "\"]}"));
        assertRefused(403, "OUTSIDE_PREFIX", s.postJson("/v1/concepts/from-storage", s.alphaKey,
                "{\"conceptName\":\"x\",\"classWord\":\"dog\",\"sourceKeys\":[\"tenants/alpha/../beta/"
                        + betaDelta.substring("tenants/beta/".length()) + "\"]}"));
        s.assertNoSideEffect(before);
    }

    @Test
    void tenantNamedInTheJsonBodyIsRefused() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(400, "TENANT_FROM_REQUEST", s.postJson("/v1/samples", s.alphaKey,
                "{\"tenantId\":\"beta\",\"prompts\":[\"a dog\"]}"));
        assertRefused(400, "TENANT_FROM_REQUEST", s.postJson("/v1/merges", s.alphaKey,
                "{\"tenant\":\"beta\",\"jobs\":[\"" + alphaJob + "\",\"" + alphaJob + "\"]}"));
        s.assertNoSideEffect(before);
    }

    @Test
    void tenantNamedInTheQueryIsRefused() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(400, "TENANT_FROM_REQUEST", s.get("/v1/jobs?tenant=beta", s.alphaKey));
        assertRefused(400, "TENANT_FROM_REQUEST", s.postJson("/v1/samples?tenantId=beta", s.alphaKey,
                "{\"prompts\":[\"a dog\"]}"));
        s.assertNoSideEffect(before);
    }

    @Test
    void tenantNamedInAnUploadFormFieldIsRefused() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(400, "TENANT_FROM_REQUEST", s.upload(s.alphaKey, 4, 200, Map.of("tenantId", "beta")));
        s.assertNoSideEffect(before);
    }
}

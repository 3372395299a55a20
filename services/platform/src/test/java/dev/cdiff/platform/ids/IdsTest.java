package dev.cdiff.platform.ids;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdsTest {
    private static final String SHA = "ab".repeat(32);

    @Test
    void idsInUseTodayAreAccepted() {
        assertEquals("local", Ids.tenantId("t", "local"));
        assertEquals("t", Ids.tenantId("t", "t"));
        assertEquals("tenant-a7", Ids.tenantId("t", "tenant-a7"));
        assertEquals("0f8fad5b-d9cb-469f-a165-70867728950e", Ids.jobId("j", "0f8fad5b-d9cb-469f-a165-70867728950e"));
        assertEquals("job-7", Ids.jobId("j", "job-7"));
        assertEquals("evt_1", Ids.eventId("e", "evt_1"));
        assertEquals(SHA, Ids.conceptId("c", SHA));
        assertEquals("my dog.v2", Ids.conceptName("n", "my dog.v2"));
        assertEquals("cdiff-artifacts", Ids.bucket("b", "cdiff-artifacts"));
        assertEquals("tenants/acme/images/" + SHA + ".png", Ids.artifactKey("k", "tenants/acme/images/" + SHA + ".png"));
        assertEquals("tenants/acme/jobs/job-7/checkpoints/latest.json",
                Ids.artifactKey("k", "tenants/acme/jobs/job-7/checkpoints/latest.json"));
        assertEquals("shared/corpus/images/" + SHA + ".jpg", Ids.artifactKey("k", "shared/corpus/images/" + SHA + ".jpg"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../x", "a/b", "a\\b", "Acme", "-acme", "ac me", "acme\n", "a.b", "acme%2F"})
    void tenantIdsThatCouldEscapeOrConfuseAreRefused(String tenant) {
        InvalidIdException e = assertThrows(InvalidIdException.class, () -> Ids.tenantId("MergeRequested.tenantId", tenant));
        assertEquals("MergeRequested.tenantId", e.field());
        assertTrue(e.getMessage().startsWith("MergeRequested.tenantId "), e.getMessage());
        assertTrue(e.getMessage().contains("is not a valid tenant id"), e.getMessage());
    }

    @Test
    void tenantIdLengthIsBounded() {
        assertEquals(63, Ids.tenantId("t", "a".repeat(63)).length());
        assertThrows(InvalidIdException.class, () -> Ids.tenantId("t", "a".repeat(64)));
        assertThrows(InvalidIdException.class, () -> Ids.tenantId("t", null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../../etc", "job/1", "job\\1", "job 1", "job.1", "_job", "job:1", "jöb"})
    void jobAndEventIdsWithPathOrOddCharactersAreRefused(String id) {
        assertThrows(InvalidIdException.class, () -> Ids.jobId("j", id));
        assertThrows(InvalidIdException.class, () -> Ids.eventId("e", id));
    }

    @Test
    void jobIdLengthIsBounded() {
        assertEquals(128, Ids.jobId("j", "j".repeat(128)).length());
        assertThrows(InvalidIdException.class, () -> Ids.jobId("j", "j".repeat(129)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "tenants/local/../other/deltas/x.safetensors",
            "tenants/local/./deltas/x",
            "/tenants/local/deltas/x",
            "tenants/local//deltas/x",
            "tenants/local/deltas/",
            "tenants/local",
            "tenants/local/",
            "tenants/Local/deltas/x",
            "tenants/../x",
            "tenants/local/deltas\\..\\x",
            "tenants/local/deltas/.hidden",
            "tenants/local/de ltas/x",
            "shared",
            "shared/",
            "shared/../tenants/other/x",
            "idempotency/merging/local/e1",
            "other/place"})
    void artifactKeysOutsideTheGrammarAreRefused(String key) {
        assertThrows(InvalidIdException.class, () -> Ids.artifactKey("SampleRequested.delta.key", key));
    }

    @Test
    void artifactKeyLengthIsBounded() {
        String segment = "s".repeat(100);
        StringBuilder key = new StringBuilder("tenants/acme");
        while (key.length() <= Ids.MAX_KEY_LENGTH) {
            key.append('/').append(segment);
        }
        assertThrows(InvalidIdException.class, () -> Ids.artifactKey("k", key.toString()));
    }

    @Test
    void theOwnerOfAKeyIsItsParsedTenantSegment() {
        assertEquals("acme", Ids.tenantOfKey("k", "tenants/acme/deltas/" + SHA));
        assertEquals("acme-2", Ids.tenantOfKey("k", "tenants/acme-2/deltas/" + SHA));
        assertNull(Ids.tenantOfKey("k", "shared/class-images/" + SHA + ".png"));
        assertThrows(InvalidIdException.class, () -> Ids.tenantOfKey("k", "tenants/acme/../other/" + SHA));
    }

    @Test
    void bucketsFollowTheS3NamingRule() {
        assertThrows(InvalidIdException.class, () -> Ids.bucket("b", "ab"));
        assertThrows(InvalidIdException.class, () -> Ids.bucket("b", "Other-Bucket"));
        assertThrows(InvalidIdException.class, () -> Ids.bucket("b", "a..b"));
        assertThrows(InvalidIdException.class, () -> Ids.bucket("b", "bucket/x"));
    }

    @Test
    void messagesNeverCarryControlCharactersOrUnboundedText() {
        InvalidIdException e = assertThrows(InvalidIdException.class,
                () -> Ids.jobId("j", "a\nFORGED LOG LINE" + "x".repeat(5000)));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().length() < 400, "message length " + e.getMessage().length());
    }
}

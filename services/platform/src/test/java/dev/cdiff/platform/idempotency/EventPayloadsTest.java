package dev.cdiff.platform.idempotency;

import dev.cdiff.schemas.events.JobFailed;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class EventPayloadsTest {

    static JobFailed failed(Instant at, String reason) {
        return JobFailed.newBuilder().setEventId("e1").setTenantId("acme").setJobId("j1").setOccurredAt(at)
                .setStage("merging").setReason(reason).setErrorClass("X").build();
    }

    @Test
    void theDigestIgnoresWhenTheEventWasWrittenButNotWhatItSays() {
        JobFailed first = failed(Instant.parse("2025-01-01T00:00:00Z"), "bad delta");
        JobFailed republished = failed(Instant.parse("2025-01-01T00:05:00Z"), "bad delta");
        JobFailed other = failed(Instant.parse("2025-01-01T00:00:00Z"), "another reason");
        assertEquals(EventPayloads.sha256(first), EventPayloads.sha256(republished));
        assertNotEquals(EventPayloads.sha256(first), EventPayloads.sha256(other));
        assertEquals(Instant.parse("2025-01-01T00:00:00Z"), first.getOccurredAt(), "the event itself is not changed");
    }
}

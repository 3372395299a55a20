package dev.cdiff.orchestrator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Ids and seeds computed from the inputs instead of drawn at random, so that reprocessing the same input
 * (a replay, or a retried transaction) emits byte-for-byte the same requests and downstream deduplication sees
 * the same event ids.
 */
final class DerivedIds {
    private DerivedIds() {
    }

    /** Id of the event of {@code emittedType} that answers the event {@code causationId}: unique per answer. */
    static String eventId(String causationId, String emittedType) {
        return UUID.nameUUIDFromBytes((causationId + "->" + emittedType).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * A seed in [0, 2^31) from the job id and a purpose ("training", "sampling"). 31 bits so that any engine that
     * narrows seeds to int keeps them unchanged.
     */
    static long seed(String jobId, String purpose) {
        byte[] digest = sha256(purpose + ":" + jobId);
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (digest[i] & 0xffL);
        }
        return value & 0x7fffffffL;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}

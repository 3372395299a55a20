package dev.cdiff.gateway.console;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed-in console sessions, in memory: a random session id (the cookie) names the tenant, the id of the key that
 * signed in (so revoking the key ends the session) and a CSRF token the session's forms carry. The API key itself
 * is never kept. A restart signs everyone out, which is acceptable for a console.
 */
final class ConsoleSessions {
    static final int MAX_SESSIONS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    record Session(String tenant, String keyId, String csrf, Instant expires) {
    }

    /** Constant-time comparison of a session's CSRF token with the one a form presented. */
    static boolean matches(String csrf, String presented) {
        return presented != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Duration lifetime;
    private final Clock clock;

    ConsoleSessions(Duration lifetime, Clock clock) {
        this.lifetime = lifetime;
        this.clock = clock;
    }

    Duration lifetime() {
        return lifetime;
    }

    /** A new session's id; the oldest sessions give way when there are too many. */
    String open(String tenant, String keyId) {
        Instant now = clock.instant();
        sessions.values().removeIf(s -> s.expires().isBefore(now));
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.entrySet().stream().min(Map.Entry.comparingByValue(
                            java.util.Comparator.comparing(Session::expires)))
                    .ifPresent(oldest -> sessions.remove(oldest.getKey()));
        }
        String id = token();
        sessions.put(id, new Session(tenant, keyId, token(), now.plus(lifetime)));
        return id;
    }

    Optional<Session> find(String id) {
        if (id == null || id.length() != 43) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        if (s == null || s.expires().isBefore(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(s);
    }

    void close(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    private static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}

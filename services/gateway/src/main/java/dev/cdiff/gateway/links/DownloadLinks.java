package dev.cdiff.gateway.links;

import dev.cdiff.gateway.TenantIds;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Short-lived download links: {@code /v1/downloads?tenant=T&key=K&expires=E&sig=S}, where S is an HMAC-SHA256 over
 * tenant, key and expiry with the gateway's link secret. A link is issued only for a key under the caller's own
 * {@code tenants/<tenant>/} prefix and is checked again when used, so neither a forged nor an edited link reaches
 * another prefix, and an expired one reaches nothing. The link itself is the credential (like an S3 presigned URL),
 * so it can be handed to a browser; it does not carry the API key.
 */
public final class DownloadLinks {
    public static final String PATH = "/v1/downloads";
    private final byte[] secret;
    private final Duration lifetime;
    private final Clock clock;

    public DownloadLinks(byte[] secret, Duration lifetime, Clock clock) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the link secret must be at least 32 bytes");
        }
        this.secret = secret.clone();
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public record Link(String pathAndQuery, Instant expires) {
    }

    /** A link to {@code key}, or empty when the key is not under the tenant's prefix. */
    public Optional<Link> issue(String tenant, String key) {
        if (!TenantIds.isKeyOf(tenant, key)) {
            return Optional.empty();
        }
        long expires = clock.instant().plus(lifetime).getEpochSecond();
        String query = "tenant=" + encode(tenant) + "&key=" + encode(key) + "&expires=" + expires
                + "&sig=" + signature(tenant, key, expires);
        return Optional.of(new Link(PATH + "?" + query, Instant.ofEpochSecond(expires)));
    }

    /** Why a presented link is refused, or the key it grants. */
    public sealed interface Verdict {
        record Granted(String tenant, String key) implements Verdict {
        }

        record Refused(int status, String reasonCode, String reason) implements Verdict {
        }
    }

    public Verdict verify(Map<String, String> query) {
        String tenant = query.get("tenant");
        String key = query.get("key");
        String expiresText = query.get("expires");
        String sig = query.get("sig");
        if (tenant == null || key == null || expiresText == null || sig == null) {
            return new Verdict.Refused(400, "MALFORMED_LINK", "a download link needs tenant, key, expires and sig");
        }
        long expires;
        try {
            expires = Long.parseLong(expiresText);
        } catch (NumberFormatException e) {
            return new Verdict.Refused(400, "MALFORMED_LINK", "expires must be epoch seconds");
        }
        byte[] expected = signature(tenant, key, expires).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.US_ASCII))) {
            return new Verdict.Refused(403, "BAD_SIGNATURE", "the link's signature does not match; it was altered"
                    + " or not issued by this service");
        }
        if (clock.instant().getEpochSecond() >= expires) {
            return new Verdict.Refused(403, "LINK_EXPIRED", "the link expired at " + Instant.ofEpochSecond(expires)
                    + "; ask for a new one");
        }
        // the signature already binds tenant and key; checking the prefix again keeps a leaked secret from
        // becoming a key to every prefix
        if (!TenantIds.isKeyOf(tenant, key)) {
            return new Verdict.Refused(403, "OUTSIDE_PREFIX", "the link names a key outside its tenant's prefix");
        }
        return new Verdict.Granted(tenant, key);
    }

    private String signature(String tenant, String key, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            // lengths first, so no (tenant, key) pair can be shifted into another with the same bytes
            String message = tenant.length() + ":" + tenant + "\n" + key.length() + ":" + key + "\n" + expires;
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}

package dev.cdiff.platform.store;

import dev.cdiff.platform.ids.Ids;

import java.util.regex.Pattern;

/** Builds and checks object keys of the form {@code tenants/<tenant>/<kind>/<sha256>[.ext]}. */
public final class ArtifactKeys {

    private static final Pattern EXTENSION = Pattern.compile("[A-Za-z0-9]{1,16}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private ArtifactKeys() {
    }

    /**
     * @param kind one or more '/'-separated segments, e.g. {@code images} or {@code checkpoints/job-7}
     * @param extension without the dot, or null/empty for none
     */
    public static String contentKey(String tenant, String kind, String sha256, String extension) {
        return tenantPrefix(tenant) + checkedKind(kind) + "/" + checkedSha(sha256) + suffix(extension);
    }

    /** {@code tenants/<tenant>/} — everything a tenant owns lives below it. */
    public static String tenantPrefix(String tenant) {
        return Ids.TENANTS_AREA + Ids.tenantId("tenant", tenant) + "/";
    }

    /** One key segment, checked by the platform's id grammar ({@link Ids#keySegment}). */
    public static String segment(String what, String value) {
        return Ids.keySegment(what, value);
    }

    static String checkedKind(String kind) {
        if (kind == null) {
            throw new IllegalArgumentException("artifact kind must be '/'-separated key segments, got null");
        }
        for (String segment : kind.split("/", -1)) {
            Ids.keySegment("artifact kind '" + Ids.printable(kind) + "'", segment);
        }
        return kind;
    }

    static String checkedSha(String sha256) {
        return Ids.sha256("sha256", sha256);
    }

    static String suffix(String extension) {
        if (extension == null || extension.isEmpty()) {
            return "";
        }
        String ext = extension.startsWith(".") ? extension.substring(1) : extension;
        if (!EXTENSION.matcher(ext).matches()) {
            throw new IllegalArgumentException("extension must be 1-16 letters or digits, got '" + extension + "'");
        }
        return "." + ext;
    }

    /** The digest a content key names, or null when the key is not content-addressed. */
    public static String digestOf(String key) {
        int slash = key.lastIndexOf('/');
        String name = key.substring(slash + 1);
        int dot = name.indexOf('.');
        String digest = dot < 0 ? name : name.substring(0, dot);
        return SHA256.matcher(digest).matches() ? digest : null;
    }
}

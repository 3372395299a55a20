package dev.cdiff.platform.ids;

import java.util.regex.Pattern;

/**
 * The one grammar of everything that names a tenant, a job, an event, a concept or an artifact. Every value a
 * service reads from an event, or writes into one, is checked here, so no other code needs to wonder whether an id
 * could contain a path separator, a dot-dot, a control character or a megabyte of text.
 *
 * <ul>
 * <li>tenant id: 1-63 of {@code a-z 0-9 -}, starting with a letter or digit. Lower case only, so two tenants never
 * differ by case alone (S3 keys are case-sensitive, many file systems and people are not).</li>
 * <li>job, event and concept ids: 1-128 of {@code A-Z a-z 0-9 _ -}, starting with a letter or digit (UUIDs, hex
 * digests and names like {@code job-7} fit). No dot at all, so never {@code .} or {@code ..}.</li>
 * <li>concept name: what ingestion has always accepted, 1-64 letters, digits, spaces, dots, underscores and
 * hyphens, starting with a letter or digit. It is shown to people and written into delta metadata, never into a
 * key or path.</li>
 * <li>modifier token: {@code <new1>} to {@code <new99>}, the reference's spelling. A token is written into prompts,
 * captions and the tokenizer's vocabulary; one grammar keeps it a single new word that no real word or prompt
 * markup can collide with, and the number keeps the tokens of a joint job apart.</li>
 * <li>bucket: the S3 naming rule, 3-63 of {@code a-z 0-9 . -}, starting and ending with a letter or digit.</li>
 * <li>sha256: 64 lower-case hex digits.</li>
 * <li>artifact key: at most {@value #MAX_KEY_LENGTH} characters, {@code tenants/<tenant id>/<segment>[/<segment>...]}
 * or {@code shared/<segment>[/<segment>...]}, where a segment is 1-128 of {@code A-Z a-z 0-9 . _ -} starting with a
 * letter or digit. So: no leading {@code /}, no empty segment, no {@code .} or {@code ..} segment, no backslash,
 * no other top-level area.</li>
 * </ul>
 * Each check returns the value unchanged or throws {@link InvalidIdException} naming the field and the rule.
 */
public final class Ids {
    public static final int MAX_KEY_LENGTH = 1024;
    public static final String TENANTS_AREA = "tenants/";
    public static final String SHARED_AREA = "shared/";

    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    private static final Pattern CONCEPT_NAME = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} ._-]{0,63}");
    private static final Pattern MODIFIER_TOKEN = Pattern.compile("<new[1-9][0-9]?>");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    static final String TENANT_RULE = "1-63 characters of a-z, 0-9 and '-', starting with a letter or digit";
    static final String PLAIN_ID_RULE = "1-128 characters of A-Z, a-z, 0-9, '_' and '-', starting with a letter or digit";
    static final String CONCEPT_NAME_RULE = "1-64 letters, digits, spaces, '.', '_' and '-', starting with a letter or digit";
    static final String MODIFIER_TOKEN_RULE = "<new1> to <new99>";
    static final String BUCKET_RULE = "3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit";
    static final String SHA256_RULE = "64 lower-case hex digits";
    static final String SEGMENT_RULE = "1-128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit";
    static final String KEY_RULE = "'tenants/<tenant>/...' or 'shared/...' of at most " + MAX_KEY_LENGTH
            + " characters, every '/'-separated segment " + SEGMENT_RULE;

    private Ids() {
    }

    public static String tenantId(String field, String value) {
        return require(field, value, TENANT, "tenant id", TENANT_RULE);
    }

    public static String jobId(String field, String value) {
        return require(field, value, PLAIN_ID, "job id", PLAIN_ID_RULE);
    }

    public static String eventId(String field, String value) {
        return require(field, value, PLAIN_ID, "event id", PLAIN_ID_RULE);
    }

    public static String conceptId(String field, String value) {
        return require(field, value, PLAIN_ID, "concept id", PLAIN_ID_RULE);
    }

    public static String conceptName(String field, String value) {
        return require(field, value, CONCEPT_NAME, "concept name", CONCEPT_NAME_RULE);
    }

    public static String modifierToken(String field, String value) {
        return require(field, value, MODIFIER_TOKEN, "modifier token", MODIFIER_TOKEN_RULE);
    }

    public static boolean isModifierToken(String value) {
        return value != null && MODIFIER_TOKEN.matcher(value).matches();
    }

    public static String bucket(String field, String value) {
        String checked = require(field, value, BUCKET, "bucket name", BUCKET_RULE);
        if (checked.contains("..")) {
            throw invalid(field, value, "bucket name", BUCKET_RULE + ", without '..'");
        }
        return checked;
    }

    public static String sha256(String field, String value) {
        return require(field, value, SHA256, "sha256", SHA256_RULE);
    }

    /** One path segment of an artifact key (a kind like {@code images}, a file name like {@code <sha>.png}). */
    public static String keySegment(String field, String value) {
        return require(field, value, SEGMENT, "key segment", SEGMENT_RULE);
    }

    public static boolean isTenantId(String value) {
        return value != null && TENANT.matcher(value).matches();
    }

    /**
     * An artifact key in either area. The check is done on the segments, never by prefix, so
     * {@code tenants/acme/../other/x} is refused rather than taken for one of acme's keys.
     */
    public static String artifactKey(String field, String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_KEY_LENGTH) {
            throw invalid(field, value, "artifact key", KEY_RULE);
        }
        String[] segments = value.split("/", -1);
        int first;
        if (segments[0].equals("tenants")) {
            if (segments.length < 3 || !isTenantId(segments[1])) {
                throw invalid(field, value, "artifact key", KEY_RULE);
            }
            first = 2;
        } else if (segments[0].equals("shared")) {
            if (segments.length < 2) {
                throw invalid(field, value, "artifact key", KEY_RULE);
            }
            first = 1;
        } else {
            throw invalid(field, value, "artifact key", KEY_RULE);
        }
        for (int i = first; i < segments.length; i++) {
            if (!SEGMENT.matcher(segments[i]).matches()) {
                throw invalid(field, value, "artifact key", KEY_RULE + " (segment " + (i + 1) + " is '"
                        + printable(segments[i]) + "')");
            }
        }
        return value;
    }

    /** The tenant an artifact key belongs to, or null for a key in the shared area. The key is checked first. */
    public static String tenantOfKey(String field, String key) {
        artifactKey(field, key);
        if (!key.startsWith(TENANTS_AREA)) {
            return null;
        }
        return key.substring(TENANTS_AREA.length(), key.indexOf('/', TENANTS_AREA.length()));
    }

    private static String require(String field, String value, Pattern pattern, String what, String rule) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw invalid(field, value, what, rule);
        }
        return value;
    }

    private static InvalidIdException invalid(String field, String value, String what, String rule) {
        String shown = value == null ? "null" : "'" + printable(value) + "'";
        return new InvalidIdException(field, field + " " + shown + " is not a valid " + what + ": it must be " + rule);
    }

    /**
     * The value as it may appear in a message or a log line: at most 80 characters, anything outside printable
     * ASCII shown as {@code ?}, so a hostile id cannot forge log lines or flood them.
     */
    public static String printable(String value) {
        StringBuilder sb = new StringBuilder(Math.min(value.length(), 83));
        for (int i = 0; i < value.length() && i < 80; i++) {
            char c = value.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (value.length() > 80) {
            sb.append("...");
        }
        return sb.toString();
    }
}
